"""Expiry reminders: 30, 7 and 1 days before, once each, in the user's language."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import update

from bot.db.base import utcnow
from bot.db.models import User
from bot.harness import BotHarness
from bot.signatures import reminder_job
from bot.signatures.registry import import_registry
from bot.signatures.reminders import threshold_for
from bot.signatures.views import today_in_almaty

HEADER = "serial_number,iin,full_name,phone,key_type,valid_from,valid_to,status,org_bin,org_name\n"


@pytest.mark.parametrize(
    ("days_left", "threshold"),
    [(31, None), (30, 30), (25, 30), (8, 30), (7, 7), (2, 7), (1, 1), (0, None), (-3, None)],
)
def test_threshold(days_left: int, threshold: int | None) -> None:
    assert threshold_for(days_left) == threshold


def _row(serial: str, valid_to: date, status: str = "valid") -> str:
    return (
        f"{serial},850315400005,АХМЕТОВА АЙГЕРИМ,+77011112233,sign,2025-01-01,"
        f"{valid_to.isoformat()},{status},,\n"
    )


async def test_each_reminder_once_even_if_run_twice(any_db_harness: BotHarness) -> None:
    app = any_db_harness.application
    today = today_in_almaty(utcnow())
    rows = [
        _row("C030", today + timedelta(days=30)),
        _row("C007", today + timedelta(days=7)),
        _row("C100", today + timedelta(days=100)),
        _row("CEEE", today + timedelta(days=7), status="revoked"),
    ]
    report = await import_registry(
        app.deps.sessionmaker, [HEADER, *rows], secret=app.deps.settings.pii_key()
    )
    assert report.applied
    user = any_db_harness.user(language_code="kk")
    stranger = any_db_harness.user(language_code="en")
    await user.share_contact("+77011112233")
    before = len(any_db_harness.messages_to(user.id))

    assert await reminder_job.run_once(app) == 2
    assert await reminder_job.run_once(app) == 0
    reminders = any_db_harness.messages_to(user.id)[before:]
    assert len(reminders) == 2
    assert all(m.text and m.text.startswith("⏰ ЭЦҚ-ңыздың") for m in reminders)
    assert {("C030" in (m.text or "")) for m in reminders} == {True, False}
    assert any_db_harness.messages_to(stranger.id) == []


async def test_chosen_language_wins_and_blocked_users_are_not_retried(
    any_db_harness: BotHarness,
) -> None:
    app = any_db_harness.application
    today = today_in_almaty(utcnow())
    await import_registry(
        app.deps.sessionmaker,
        [HEADER, _row("D001", today + timedelta(days=1))],
        secret=app.deps.settings.pii_key(),
    )
    user = any_db_harness.user(language_code="kk")
    await user.share_contact("+77011112233")
    async with app.deps.sessionmaker() as session, session.begin():
        await session.execute(update(User).where(User.id == user.id).values(language="en"))
    user.block_bot()
    assert await reminder_job.run_once(app) == 1  # counted as done: blocked users stay blocked
    user.block_bot(False)
    assert await reminder_job.run_once(app) == 0
