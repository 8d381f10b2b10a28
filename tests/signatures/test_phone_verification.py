"""A phone verification lapses (PHONE_VERIFICATION_DAYS), and an account has one link at a time.

A number can pass to someone else; the old account must then stop seeing the number's
signatures and filing requests for them. Driven through the harness on SQLite and PostgreSQL;
time passes by moving the verification back in the database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot.config import load_settings
from bot.db.base import utcnow
from bot.harness import BotHarness
from bot.i18n import Texts
from bot.ops.housekeeping import Housekeeping
from bot.revocations.models import RevocationRequest
from bot.signatures.models import VerifiedPhone
from bot.signatures.registry import import_registry, verified_since
from bot.signatures.reminders import due_reminders
from bot.signatures.views import today_in_almaty
from bot.tghtml import parse

TEXTS = Texts.load()
HEADER = "serial_number,iin,full_name,phone,key_type,valid_from,valid_to,status,org_bin,org_name\n"
AIGERIM = "+77011112233"
NURLAN = "+77019998877"
DAYS = 30


def _rows() -> list[str]:
    soon = (today_in_almaty(utcnow()) + timedelta(days=5)).isoformat()
    return [
        f"AA01,850315400005,АХМЕТОВА АЙГЕРИМ,{AIGERIM},sign,2025-01-10,{soon},valid,,\n",
        f"BB01,920721400008,СЕРІКОВ НҰРЛАН,{NURLAN},sign,2026-01-10,2030-01-10,valid,,\n",
    ]


@pytest.fixture
async def bot(database_url: str, tmp_path: Path) -> AsyncIterator[BotHarness]:
    settings = load_settings(
        database_url=database_url,
        bot_data_dir=tmp_path,
        pii_secret="test-pii-secret-0123456789",
        phone_verification_days=str(DAYS),
    )
    async with BotHarness(settings) as harness:
        deps = harness.application.deps
        report = await import_registry(
            deps.sessionmaker, [HEADER, *_rows()], secret=deps.settings.pii_key()
        )
        assert report.applied, report.errors
        yield harness


def _plain(html: str) -> str:
    return parse(html).text


async def _age(harness: BotHarness, user_id: int, days: float) -> None:
    """As if the user had shared their contact `days` ago."""
    async with harness.application.deps.sessionmaker() as session, session.begin():
        await session.execute(
            update(VerifiedPhone)
            .where(VerifiedPhone.user_id == user_id)
            .values(verified_at=utcnow() - timedelta(days=days))
        )


async def _links(harness: BotHarness) -> dict[int, str]:
    async with harness.application.deps.sessionmaker() as session:
        rows = await session.execute(select(VerifiedPhone.user_id, VerifiedPhone.phone_hash))
        return {user_id: hashed for user_id, hashed in rows}


async def test_a_lapsed_verification_asks_again_and_shows_nothing(bot: BotHarness) -> None:
    user = bot.user("Aigerim", language_code="en")
    await user.share_contact(AIGERIM)
    await _age(bot, user.id, DAYS - 1)
    still = await user.send("/status")
    assert "АХМЕТОВА" in still.text  # within the limit: shown at once
    async with bot.application.deps.sessionmaker() as session:
        due = await due_reminders(session, today_in_almaty(utcnow()), verified_since(DAYS))
    assert [r.serial for r in due] == ["AA01"]
    # A revocation started while the proof held, to be confirmed after it lapsed.
    picker = await user.send("/revoke")
    await user.press("AA01", message=picker.last)
    await user.press("lost or stolen", message=picker.last)
    assert any("Yes, request revocation" in b["text"] for b in picker.last.buttons)

    await _age(bot, user.id, DAYS + 1)
    asked = await user.send("/status")
    assert asked.text == _plain(TEXTS.get("en", "signatures.reconfirm_contact"))
    assert asked.last.reply_markup is not None
    assert asked.last.reply_markup["keyboard"][0][0]["request_contact"] is True
    assert "АХМЕТОВА" not in asked.text
    # The menu button and /revoke say the same; nothing can be filed on the old proof.
    pressed = await user.press(data="sig:status")
    assert pressed.text == asked.text
    revoke = await user.send("/revoke")
    assert revoke.text == _plain(TEXTS.get("en", "revocations.need_verification"))
    stale = await user.press("Yes, request revocation", message=picker.last)
    assert user.answer_to(stale) == {"text": "This action is not available to you."}
    async with bot.application.deps.sessionmaker() as session:
        assert await session.scalar(select(func.count(RevocationRequest.id))) == 0
    async with bot.application.deps.sessionmaker() as session:
        # Expiry reminders go only to links in force.
        since = verified_since(DAYS)
        assert await due_reminders(session, today_in_almaty(utcnow()), since) == []

    # Sharing the contact again restores everything, with a fresh clock.
    again = await user.share_contact(AIGERIM)
    assert "АХМЕТОВА" in again.messages[-1].text
    assert "АХМЕТОВА" in (await user.send("/status")).text


async def test_a_never_verified_account_gets_the_first_time_wording(bot: BotHarness) -> None:
    user = bot.user(language_code="kk")
    asked = await user.send("/status")
    assert asked.text == _plain(TEXTS.get("kk", "signatures.ask_contact"))


async def test_a_new_contact_replaces_the_accounts_link(bot: BotHarness) -> None:
    user = bot.user("Aigerim", language_code="en")
    await user.share_contact(AIGERIM)
    await user.share_contact(NURLAN)  # the account's number changed
    links = await _links(bot)
    assert list(links) == [user.id]
    status = await user.send("/status")
    assert "СЕРІКОВ" in status.text
    assert "АХМЕТОВА" not in status.text


async def test_the_numbers_new_owner_unlinks_the_old_account(bot: BotHarness) -> None:
    """Telegram gives a number to one account at a time: the latest proof wins."""
    old_owner = bot.user("Old", language_code="en")
    new_owner = bot.user("New", language_code="en")
    await old_owner.share_contact(AIGERIM)
    await new_owner.share_contact(AIGERIM)
    assert list(await _links(bot)) == [new_owner.id]
    asked = await old_owner.send("/status")
    assert "АХМЕТОВА" not in asked.text
    assert asked.text == _plain(TEXTS.get("en", "signatures.ask_contact"))


async def test_housekeeping_forgets_lapsed_links(bot: BotHarness) -> None:
    kept, lapsed = bot.user(language_code="en"), bot.user(language_code="en")
    await kept.share_contact(NURLAN)
    await lapsed.share_contact(AIGERIM)
    await _age(bot, lapsed.id, DAYS + 1)
    removed = await bot.application.deps.get(Housekeeping).run_once()
    assert removed["signatures.forget_lapsed_links"] == 1
    assert list(await _links(bot)) == [kept.id]
