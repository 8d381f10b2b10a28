"""Housekeeping forgets what is past its retention, by itself, on the leader instance.

Dialog steps long expired, update ids older than a day, idle flood counters, unmatched
questions not asked for UNMATCHED_RETENTION_DAYS, idle groups' send allowances (and lapsed
phone links: see
tests/signatures/test_phone_verification.py). Time passes by moving timestamps back.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot.config import load_settings
from bot.db import dialogs, flows
from bot.db.base import utcnow
from bot.db.models import ButtonFlow, DialogState
from bot.guidance.editor_notes import remember_unmatched
from bot.guidance.models import UnmatchedQuestion
from bot.harness import BotHarness
from bot.ops import budget, housekeeping
from bot.ops.flood import FloodCounts
from bot.ops.housekeeping import Housekeeping
from bot.ops.models import FloodState, ProcessedUpdate, SendGroupBudget
from bot.ops.updates import RETENTION

RETENTION_DAYS = 30


@pytest.fixture
async def bot(database_url: str, tmp_path: Path) -> AsyncIterator[BotHarness]:
    settings = load_settings(
        database_url=database_url,
        bot_data_dir=tmp_path,
        pii_secret="test-pii-secret-0123456789",
        unmatched_retention_days=str(RETENTION_DAYS),
    )
    async with BotHarness(settings) as harness:
        yield harness


async def _count(harness: BotHarness, model: type) -> int:
    async with harness.application.deps.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _shift(harness: BotHarness, column: object, ago: timedelta, *where: object) -> None:
    """Set a timestamp column to `ago` before now, on the rows `where` selects."""
    table = column.class_  # type: ignore[attr-defined]
    async with harness.application.deps.sessionmaker() as session, session.begin():
        await session.execute(update(table).where(*where).values({column: utcnow() - ago}))


async def _flood_counted(harness: BotHarness) -> list[int]:
    """The users flood control counts: in memory on SQLite, in rows on PostgreSQL."""
    counts = harness.application.deps.get(FloodCounts)
    if counts.local:
        return sorted(counts._windows)
    async with harness.application.deps.sessionmaker() as session:
        return sorted(await session.scalars(select(FloodState.user_id)))


async def _age_flood_window(harness: BotHarness, user_id: int, ago: timedelta) -> None:
    counts = harness.application.deps.get(FloodCounts)
    if counts.local:
        counts._windows[user_id].start -= ago
    else:
        await _shift(harness, FloodState.window_start, ago, FloodState.user_id == user_id)


async def test_each_kind_is_purged_and_fresh_rows_are_kept(bot: BotHarness) -> None:
    old, fresh = bot.user(language_code="en"), bot.user(language_code="en")
    for user in (old, fresh):
        await user.send("/password")  # a dialog step, a flood counter, processed update ids
    async with bot.application.deps.sessionmaker() as session:
        # A button flow each: one left past its expiry, one still open.
        await flows.begin(session, old.id, old.id, "test.flow", ttl=-timedelta(minutes=1))
        await flows.begin(session, fresh.id, fresh.id, "test.flow")
        await remember_unmatched(session, "when does the old question go away", "en")
        await remember_unmatched(session, "a question asked yesterday", "en")
    assert await _count(bot, DialogState) == 2
    assert await _flood_counted(bot) == sorted([old.id, fresh.id])
    updates_before = await _count(bot, ProcessedUpdate)
    assert updates_before >= 2

    long_ago = dialogs.EXPIRED_GRACE + timedelta(hours=1)  # past expiry and grace
    await _shift(bot, DialogState.expires_at, long_ago, DialogState.user_id == old.id)
    await _age_flood_window(bot, old.id, timedelta(hours=2))
    async with bot.application.deps.sessionmaker() as session:
        oldest = await session.scalar(select(func.min(ProcessedUpdate.update_id)))
    await _shift(
        bot,
        ProcessedUpdate.seen_at,
        RETENTION + timedelta(hours=1),
        ProcessedUpdate.update_id == oldest,
    )
    await _shift(
        bot,
        UnmatchedQuestion.last_seen,
        timedelta(days=RETENTION_DAYS, hours=1),
        UnmatchedQuestion.text.startswith("when does"),
    )
    await _shift(
        bot,
        UnmatchedQuestion.last_seen,
        timedelta(days=RETENTION_DAYS - 1),
        UnmatchedQuestion.text.startswith("a question"),
    )

    removed = await bot.application.deps.get(Housekeeping).run_once()
    assert removed["dialog steps"] == 1
    assert removed["button flows"] == 1
    assert removed["flood counters"] == 1
    assert removed["update ids"] == 1
    assert removed["guidance.forget_old_questions"] == 1
    async with bot.application.deps.sessionmaker() as session:
        steps = list(await session.scalars(select(DialogState.user_id)))
        questions = list(await session.scalars(select(UnmatchedQuestion.text)))
        open_flows = list(await session.scalars(select(ButtonFlow.user_id)))
    assert steps == [fresh.id]
    assert open_flows == [fresh.id]
    assert await _flood_counted(bot) == [fresh.id]
    assert questions == ["a question asked yesterday"]
    assert await _count(bot, ProcessedUpdate) == updates_before - 1


async def test_idle_groups_send_allowances_are_forgotten(bot: BotHarness) -> None:
    """A group's allowance row, once idle longer than a bucket takes to refill, says no more
    than no row; every group the bot ever wrote to would otherwise keep one."""
    now = time.time()
    async with bot.application.deps.sessionmaker() as session, session.begin():
        for chat_id, idle in ((-1001, budget.IDLE_GROUP + 60), (-1002, 30.0)):
            session.add(
                SendGroupBudget(
                    name="bot1", chat_id=chat_id, tokens=5.0, stamp=now - idle, taken=True
                )
            )
    removed = await bot.application.deps.get(Housekeeping).run_once()
    assert removed["group allowances"] == 1
    async with bot.application.deps.sessionmaker() as session:
        kept = list(await session.scalars(select(SendGroupBudget.chat_id)))
    assert kept == [-1002]


async def test_housekeeping_runs_by_itself_as_a_leader_job(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(housekeeping, "FIRST_DELAY", 0.0)
    monkeypatch.setattr(housekeeping, "INTERVAL", 0.2)
    settings = load_settings(
        database_url=database_url, bot_data_dir=tmp_path, pii_secret="test-pii-secret-0123456789"
    )
    async with BotHarness(settings) as bot:
        user = bot.user(language_code="en")
        await user.send("/password")
        await _shift(bot, DialogState.expires_at, dialogs.EXPIRED_GRACE + timedelta(hours=1))
        deadline = asyncio.get_running_loop().time() + 20
        while await _count(bot, DialogState):
            assert asyncio.get_running_loop().time() < deadline, "the step was never purged"
            await asyncio.sleep(0.1)
        leadership, _task = bot.application.bot_data["leader_job.housekeeping"]
        assert leadership.is_leader
        if bot.application.deps.engine.dialect.name == "postgresql":
            assert leadership.backend_pid is not None  # it holds the advisory lock
