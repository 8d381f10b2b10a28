"""Flood control: one notice, then silence for the cool-down, for that user only."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.config import load_settings
from bot.db import migrate
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.transaction import transaction
from bot.harness import BotHarness
from bot.i18n import Texts
from bot.ops import flood
from bot.ops.flood import FloodCounts, FloodPolicy, Verdict
from bot.ops.metrics import Metrics
from tests.ops.texts import first_line

T0 = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
POLICY = FloodPolicy(limit=3, cooldown=timedelta(seconds=90))
TEXTS = Texts.load()


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    yield engine
    await engine.dispose()


async def _hit(
    session: AsyncSession, user_id: int, policy: FloodPolicy, now: datetime | None = None
) -> Verdict:
    """One update counted in the session's transaction, or one of its own."""
    async with transaction(session):
        return await session.run_sync(flood.count_hit, user_id, policy, now)


async def _hits(engine: AsyncEngine, user_id: int, at: list[datetime]) -> list[Verdict]:
    sessionmaker = create_sessionmaker(engine)
    verdicts = []
    for moment in at:
        async with sessionmaker() as session:
            verdicts.append(await _hit(session, user_id, POLICY, now=moment))
    return verdicts


async def test_over_the_limit_one_notice_then_ignored_until_the_cooldown_ends(
    engine: AsyncEngine,
) -> None:
    seconds = [0, 1, 2, 3, 4, 50, 89]
    verdicts = await _hits(engine, 1, [T0 + timedelta(seconds=s) for s in seconds])
    assert verdicts == [Verdict.ALLOW] * 3 + [Verdict.NOTIFY] + [Verdict.IGNORE] * 3
    # The cool-down (90 s from the fourth message) is over: a fresh window.
    later = await _hits(engine, 1, [T0 + timedelta(seconds=s) for s in (94, 95, 96, 97)])
    assert later == [Verdict.ALLOW] * 3 + [Verdict.NOTIFY]


async def test_the_window_is_one_minute_and_users_are_counted_apart(engine: AsyncEngine) -> None:
    spaced = [T0 + timedelta(seconds=s) for s in (0, 20, 40, 61, 62, 63)]
    assert await _hits(engine, 1, spaced) == [Verdict.ALLOW] * 6
    burst = [T0 + timedelta(seconds=70)] * 3
    assert await _hits(engine, 2, burst) == [Verdict.ALLOW] * 3


async def test_off_when_the_limit_is_zero(engine: AsyncEngine) -> None:
    async with create_sessionmaker(engine)() as session:
        off = FloodPolicy(limit=0, cooldown=timedelta(seconds=60))
        assert {await _hit(session, 1, off) for _ in range(50)} == {Verdict.ALLOW}


async def test_two_instances_counting_at_once_send_one_notice(
    engine: AsyncEngine, database_url: str
) -> None:
    other = create_engine(database_url)  # a second instance: its own engine and pool
    try:

        async def one(which: AsyncEngine) -> Verdict:
            async with create_sessionmaker(which)() as session:
                return await _hit(session, 7, POLICY, now=T0)

        verdicts = await asyncio.gather(*(one(engine if i % 2 else other) for i in range(12)))
    finally:
        await other.dispose()
    assert sorted(v.value for v in verdicts) == sorted(["allow"] * 3 + ["notify"] + ["ignore"] * 8)


async def test_purge_forgets_idle_users_but_not_cooling_down_ones(engine: AsyncEngine) -> None:
    long_cooldown = FloodPolicy(limit=1, cooldown=timedelta(hours=5))
    async with create_sessionmaker(engine)() as session:
        await _hit(session, 1, POLICY, now=T0)
        for _ in range(2):
            await _hit(session, 2, long_cooldown, now=T0)
        assert await flood.purge(session, now=T0 + timedelta(hours=2)) == 1
        assert await _hit(session, 2, long_cooldown, now=T0 + timedelta(hours=2)) is (
            Verdict.IGNORE
        )


async def test_counts_kept_in_memory_give_the_databases_verdicts(engine: AsyncEngine) -> None:
    """SQLite's one instance counts in memory (FloodCounts(local=True)): random hit sequences,
    bursts and pauses across windows and cool-downs, get the same verdicts as the upsert."""
    rng = random.Random(20261202)
    sessionmaker = create_sessionmaker(engine)
    seen: set[tuple[Verdict, Verdict]] = set()  # one user's verdicts one after the other
    for sequence in range(40):
        policy = FloodPolicy(
            limit=rng.randint(1, 4), cooldown=timedelta(seconds=rng.choice([5, 10, 30, 90, 150]))
        )
        local = FloodCounts(local=True)
        now, users, here, there = T0, [], [], []
        for _ in range(25):
            now += timedelta(seconds=rng.choice([0, 0, 1, 3, 5, 10, 20, 59, 60, 61, 90, 200]))
            user_id = 1000 * sequence + rng.randint(1, 3)
            users.append(user_id)
            async with sessionmaker() as session:
                there.append(await _hit(session, user_id, policy, now))
                here.append(local.hit(session.sync_session, user_id, policy, now))
        assert here == there, f"sequence {sequence}"
        for user_id in set(users):
            seen.update(pairwise(v for u, v in zip(users, here, strict=True) if u == user_id))
    # The sequences went through every turn: over the limit, muted, and back after the cool-down.
    assert {(Verdict.ALLOW, Verdict.NOTIFY), (Verdict.NOTIFY, Verdict.IGNORE)} <= seen
    assert (Verdict.IGNORE, Verdict.ALLOW) in seen


async def test_counts_in_memory_forget_idle_users_but_not_cooling_down_ones(
    engine: AsyncEngine,
) -> None:
    long_cooldown = FloodPolicy(limit=1, cooldown=timedelta(hours=5))
    local = FloodCounts(local=True)
    async with create_sessionmaker(engine)() as session:
        local.hit(session.sync_session, 1, POLICY, T0)
        for _ in range(2):
            local.hit(session.sync_session, 2, long_cooldown, T0)
        assert await local.purge(session, now=T0 + timedelta(hours=2)) == 1
        later = T0 + timedelta(hours=2)
        assert local.hit(session.sync_session, 2, long_cooldown, later) is Verdict.IGNORE
        assert local.hit(session.sync_session, 1, POLICY, later) is Verdict.ALLOW
        # Nothing of it reached the database.
        assert await flood.purge(session, now=T0 + timedelta(days=2)) == 0


# ---- through the bot ---------------------------------------------------------------------


async def test_a_flooding_user_is_told_once_and_others_are_not_slowed(
    tmp_path: Path, sqlite_url: str
) -> None:
    settings = load_settings(
        database_url=sqlite_url,
        bot_data_dir=tmp_path,
        pii_secret="test-pii-secret-0123456789",
        flood_limit_per_minute=5,
        flood_cooldown_seconds=120,
        operator_ids="424242",
    )
    async with BotHarness(settings, mode="webhook") as harness:
        flooder = harness.user("Flood", language_code="en")
        calm = harness.user("Calm", language_code="ru")
        operator = harness.user("Op", language_code="en", user_id=424242)

        async def flood_it() -> list[int]:
            return [len((await flooder.send("/help")).messages) for _ in range(12)]

        async def stay_calm() -> list[float]:
            took = []
            for _ in range(3):
                started = asyncio.get_running_loop().time()
                reply = await calm.send("/help")
                took.append(asyncio.get_running_loop().time() - started)
                assert first_line("ru", "core.help") in reply.text
            return took

        sent, took = await asyncio.gather(flood_it(), stay_calm())
        assert sent == [1] * 5 + [1] + [0] * 6  # five answers, the notice, then nothing
        notice = harness.messages_to(flooder.id)[-1].text or ""
        assert notice == TEXTS.get("en", "ops.flood_notice", count=2)
        assert max(took) < 2.0
        # A button pressed while cooling down is ignored too (no answer at all).
        await flooder.press(data="core:menu", message=harness.messages_to(flooder.id)[0])
        assert len(harness.messages_to(flooder.id)) == 6
        # Operators are never throttled.
        replies = [len((await operator.send("/help")).messages) for _ in range(8)]
        assert replies == [1] * 8
        metrics = harness.application.deps.get(Metrics)
        assert metrics.dropped.labels("flood")._value.get() == 8


async def test_button_presses_count_and_the_notice_is_an_alert(
    tmp_path: Path, sqlite_url: str
) -> None:
    settings = load_settings(
        database_url=sqlite_url,
        bot_data_dir=tmp_path,
        pii_secret="test-pii-secret-0123456789",
        flood_limit_per_minute=2,
    )
    async with BotHarness(settings) as harness:
        user = harness.user("Press", language_code="kk")
        await user.send("/menu")
        await user.press(data="core:help")
        exchange = await user.press(data="core:help")
        assert exchange.messages == []
        answer = user.answer_to(exchange)
        assert answer == {"text": TEXTS.get("kk", "ops.flood_notice", count=1)}


async def test_group_messages_are_not_counted(tmp_path: Path, sqlite_url: str) -> None:
    settings = load_settings(
        database_url=sqlite_url,
        bot_data_dir=tmp_path,
        pii_secret="test-pii-secret-0123456789",
        flood_limit_per_minute=1,
    )
    async with BotHarness(settings) as harness:
        user = harness.user("Group", language_code="en")
        group = harness.group("Accounting", members=[user])
        for _ in range(3):
            reply = await user.send("/help@esign_safety_bot", chat=group)
            assert reply.messages
