"""Helpers for the guard's tests: settings with an operator, a work chat, texts, a container."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.config import Settings, load_settings
from bot.harness import BotHarness, FakeUser
from bot.harness.records import ChatRecord, MessageRecord
from bot.i18n import Texts
from bot.tghtml import parse
from tests.signatures.pki import make_citizen_cert, make_p12

OPERATOR_ID = 900_101
TEXTS = Texts.load()


def guard_settings(database_url: str, tmp_path: Path) -> Settings:
    return load_settings(
        database_url=database_url,
        bot_data_dir=tmp_path,
        pii_secret="test-pii-secret-0123456789",
        operator_ids=str(OPERATOR_ID),
    )


@dataclass
class WorkChat:
    chat: ChatRecord
    admin: FakeUser
    member: FakeUser


def work_chat(harness: BotHarness, *, bot_admin: bool, member_lang: str = "en") -> WorkChat:
    admin = harness.user("Dana", language_code="en")
    member = harness.user("Aigerim", language_code=member_lang)
    chat = harness.group("Accounting", bot_admin=bot_admin, members=[member])
    admin.in_group(chat, "administrator")
    return WorkChat(chat, admin, member)


@cache
def p12() -> bytes:
    return make_p12(make_citizen_cert())


def t(lang: str, key: str, **params: object) -> str:
    return TEXTS.get(lang, key, **params)


def plain(html: str) -> str:
    return parse(html).text


def last_from(harness: BotHarness, chat: ChatRecord, user: FakeUser) -> MessageRecord:
    """The latest message the user posted in the chat."""
    mine = [
        m
        for (cid, _), m in harness.api.messages.items()
        if cid == chat.id and not m.from_bot and m.sender_id == user.id
    ]
    return max(mine, key=lambda m: m.message_id)
