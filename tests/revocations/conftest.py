"""A bot with a registry, an operator and an operator chat, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.harness import BotHarness, FakeUser
from bot.harness.records import ChatRecord
from bot.signatures.registry import import_registry

OPERATOR_ID = 900_001
OPERATOR_CHAT_ID = -1_000_000_000_001  # the first group the harness creates
HEADER = "serial_number,iin,full_name,phone,key_type,valid_from,valid_to,status,org_bin,org_name\n"
CITIZEN_PHONE = "+77011112233"
ROWS = [
    # The citizen: a personal signing key and an organisation's key.
    "AA01,850315400005,АХМЕТОВА АЙГЕРИМ,+77011112233,sign,2026-01-10,2027-01-10,valid,,\n",
    "AA02,850315400005,АХМЕТОВА АЙГЕРИМ,+77011112233,auth,2026-01-10,2027-01-10,valid,150340000003,ТОО «Дала»\n",
    # Someone else entirely.
    "BB01,920721400008,СЕРІКОВ НҰРЛАН,+77019998877,sign,2026-01-10,2027-01-10,valid,,\n",
    # Employees of ТОО «Дала» (150340000003) and of АО «Степь» (081240000003).
    "CC01,781102300008,ИВАНОВ СЕРГЕЙ,+77010000003,sign,2026-01-10,2027-01-10,valid,150340000003,ТОО «Дала»\n",
    "CC02,781102300008,ИВАНОВ СЕРГЕЙ,+77010000003,auth,2026-01-10,2027-01-10,valid,150340000003,ТОО «Дала»\n",
    "CC03,781102300008,ИВАНОВ СЕРГЕЙ,+77010000003,sign,2026-01-10,2027-01-10,valid,,\n",
    "CC04,781102300008,ИВАНОВ СЕРГЕЙ,+77010000003,sign,2026-01-10,2027-01-10,valid,081240000003,АО «Степь»\n",
    "CC05,781102300008,ИВАНОВ СЕРГЕЙ,+77010000003,sign,2024-01-10,2025-01-10,revoked,150340000003,ТОО «Дала»\n",
    "DD01,010518500000,ЖАКСЫЛЫКОВА ДИНАРА,+77010000004,sign,2026-01-10,2027-01-10,valid,150340000003,ТОО «Дала»\n",
]


@dataclass
class World:
    harness: BotHarness
    citizen: FakeUser
    operator: FakeUser
    operator_chat: ChatRecord


@pytest.fixture
async def world(database_url: str, tmp_path: Path) -> AsyncIterator[World]:
    settings = load_settings(
        database_url=database_url,
        pii_secret="test-pii-secret-0123456789",
        operator_ids=str(OPERATOR_ID),
        operator_chat_id=OPERATOR_CHAT_ID,
        operator_language="en",
    )
    async with BotHarness(settings) as harness:
        app = harness.application
        report = await import_registry(
            app.deps.sessionmaker, [HEADER, *ROWS], secret=app.deps.settings.pii_key()
        )
        assert report.applied, report.errors
        operator = harness.user("Operator", user_id=OPERATOR_ID, language_code="en")
        chat = harness.group("Ministry operators", members=[operator])
        assert chat.id == OPERATOR_CHAT_ID
        citizen = harness.user("Aigerim", language_code="en")
        await citizen.share_contact(CITIZEN_PHONE)
        yield World(harness, citizen, operator, chat)
