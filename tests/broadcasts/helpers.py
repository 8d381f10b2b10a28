"""Helpers for broadcast tests: settings with an operator, subscribers, Telegram updates."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from bot.broadcasts import campaigns, subscriptions, worker
from bot.config import Settings, load_settings
from bot.harness import BotHarness, FakeUser
from bot.harness.records import ChatRecord
from bot.i18n import Lang, Texts

OPERATOR_ID = 900_001
TEXTS = Texts.load()


def broadcast_settings(database_url: str, tmp_path: Path, *, rate: float = 200.0) -> Settings:
    return load_settings(
        database_url=database_url,
        bot_data_dir=tmp_path,
        pii_secret="test-pii-secret-0123456789",
        operator_ids=str(OPERATOR_ID),
        broadcast_rate=rate,
    )


def operator(harness: BotHarness, language_code: str = "en") -> FakeUser:
    return harness.user("Operator", language_code=language_code, user_id=OPERATOR_ID)


async def subscribers(harness: BotHarness, count: int, language_code: str = "ru") -> list[FakeUser]:
    people = [harness.user(f"P{i}", language_code=language_code) for i in range(count)]
    for person in people:
        await person.send("/start")
    return people


async def my_chat_member(
    harness: BotHarness, chat: ChatRecord, by: FakeUser, old: str, new: str
) -> None:
    """Telegram's update when the bot's status in a chat changes (blocked, kicked, back)."""
    bot = harness.api.bot_user()

    def member(status: str) -> dict[str, Any]:
        data: dict[str, Any] = {"status": status, "user": bot}
        if status == "kicked":
            data["until_date"] = 0
        return data

    await harness.deliver(
        {
            "my_chat_member": {
                "chat": chat.to_api(harness.api.accounts),
                "from": by.account.to_api(),
                "date": int(time.time()),
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            }
        },
        chat.id,
    )


def warnings_to(harness: BotHarness, chat_id: int, marker: str) -> list[str]:
    """Texts of the broadcast messages (recognised by a marker) a chat received."""
    return [m.text or "" for m in harness.messages_to(chat_id) if marker in (m.text or "")]


def t(lang: str, key: str, **params: object) -> str:
    return TEXTS.get(lang, key, **params)


def plain(html: str) -> str:
    from bot.tghtml import parse

    return parse(html).text


async def send_bold_prefix(user: FakeUser, text: str, bold: int) -> None:
    """A message the way a Telegram client sends formatting: text plus a bold entity."""
    await user.send_raw({"text": text, "entities": [{"type": "bold", "offset": 0, "length": bold}]})


async def subscribe_directly(harness: BotHarness, count: int, lang: Lang = "ru") -> list[FakeUser]:
    """Subscribers without their /start round trip (keeps the harness's rate budget free)."""
    people = [harness.user(f"S{i}", language_code=lang) for i in range(count)]
    async with harness.application.deps.sessionmaker() as session:
        for person in people:
            await subscriptions.subscribe(
                session, chat_id=person.id, chat_type="private", lang=lang, by_user=person.id
            )
    return people


async def launch(
    harness: BotHarness, text: str, *, report_chat_id: int | None = None, lang: Lang = "en"
) -> int:
    """A confirmed campaign, as if an operator pressed Send (or ran the CLI)."""
    async with harness.application.deps.sessionmaker() as session:
        campaign_id = await campaigns.create_draft(
            session,
            {"all": text},
            created_by=OPERATOR_ID,
            report_chat_id=report_chat_id,
            report_lang=lang,
        )
        result = await campaigns.start(session, campaign_id)
    assert result.ok
    worker.wake(harness.application.deps)
    return campaign_id


async def summary_of(harness: BotHarness, campaign_id: int) -> campaigns.Summary:
    async with harness.application.deps.sessionmaker() as session:
        found = await campaigns.summary(session, campaign_id)
    assert found is not None
    return found


async def wait_state(
    harness: BotHarness, campaign_id: int, *states: str, within: float = 10.0
) -> campaigns.Summary:
    deadline = time.monotonic() + within
    while True:
        found = await summary_of(harness, campaign_id)
        if found.state in states and not found.count("sending"):
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"campaign {campaign_id} is {found.state}, not {states}")
        await asyncio.sleep(0.02)
