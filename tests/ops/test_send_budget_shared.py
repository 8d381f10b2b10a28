"""The send budget shared in PostgreSQL: instances together keep the rate, leases are chunks,
a 429 seen by one holds the others, and groups keep 20 a minute across instances."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import migrate
from bot.db.engine import create_engine
from bot.ops.budget import SharedGroupLimit, SharedSlots, budget_name
from bot.ops.lanes import Lane
from bot.ops.sendqueue import GROUP_BURST, Scheduler

RATE = 20.0
NAME = budget_name("123456:secret-part")


@pytest.fixture
async def engines(postgres_url: str) -> AsyncIterator[list[AsyncEngine]]:
    """Three engines on one database: three instances."""
    found = [create_engine(postgres_url) for _ in range(3)]
    await migrate.upgrade(found[0])
    yield found
    for engine in found:
        await engine.dispose()


def test_the_budget_is_named_by_the_bot_not_the_secret() -> None:
    assert NAME == "bot123456"


async def test_instances_together_keep_the_rate(engines: list[AsyncEngine]) -> None:
    slots = [SharedSlots(e, NAME, RATE, burst=0) for e in engines]
    schedulers = [Scheduler(s) for s in slots]
    sent: list[float] = []
    until = time.monotonic() + 2.0

    async def flood(scheduler: Scheduler, lane: Lane) -> None:
        while time.monotonic() < until:
            await scheduler.acquire(lane, None, new_message=False)
            sent.append(time.monotonic())

    # Each instance sends as fast as its slots allow, several callers each.
    await asyncio.gather(
        *(flood(s, lane) for s in schedulers for lane in (Lane.REPLY, Lane.BROADCAST) * 2)
    )
    for scheduler in schedulers:
        await scheduler.close()
    sent.sort()
    # Over any one second, the three together stay within the rate (plus a slot of jitter).
    worst = max(sum(1 for t in sent if start <= t < start + 1.0) for start in sent)
    assert worst <= RATE + 1, worst
    assert len(sent) >= 0.9 * RATE * 2.0
    leases = sum(s.leases for s in slots)
    assert leases < len(sent), (leases, len(sent))  # leased in chunks, not per message


async def test_slots_are_never_given_twice(engines: list[AsyncEngine]) -> None:
    slots = [SharedSlots(e, NAME, RATE, burst=5) for e in engines]
    grants = await asyncio.gather(*(s.take(4, Lane.REPLY) for s in slots for _ in range(5)))
    times = sorted(round(t * RATE) for g in grants for t in g.times)
    # Slot times differ by whole slots (each instance maps them through its own clock offset).
    assert len(times) == sum(len(g.times) for g in grants)
    assert len(set(times)) >= len(times) - 1  # rounding of two offsets may collide once at most


async def test_a_quiet_instance_takes_saved_up_slots_and_asks_again_only_when_spent(
    engines: list[AsyncEngine],
) -> None:
    slots = SharedSlots(engines[0], NAME, RATE, burst=5)
    scheduler = Scheduler(slots)
    try:
        for _ in range(5):  # one at a time, as replies to one person at a time go
            await scheduler.acquire(Lane.REPLY, None, new_message=False)
        assert slots.leases == 1  # five sends, one trip: the five saved-up slots
        # Spent: the next lease gets what came due since (at least the one asked for), and
        # no spare slot lies ahead of now.
        grant = await slots.take(1, Lane.REPLY)
        assert grant.times
        assert max(grant.times) - time.monotonic() < 2 / RATE
    finally:
        await scheduler.close()


async def test_a_429_on_one_instance_holds_the_others(engines: list[AsyncEngine]) -> None:
    first, second = SharedSlots(engines[0], NAME, RATE), SharedSlots(engines[1], NAME, RATE)
    await first.take(1, Lane.REPLY)
    await first.hold(1.5)
    grant = await second.take(1, Lane.REPLY)
    # The other instance's next slot lies beyond the hold (or none is given yet).
    due = grant.times[0] if grant.times else grant.retry_at
    assert due - time.monotonic() >= 1.3


async def test_groups_keep_twenty_a_minute_across_instances(engines: list[AsyncEngine]) -> None:
    limits = [SharedGroupLimit(e, NAME) for e in engines]
    waits = [await limits[i % 3].take(-1001) for i in range(int(GROUP_BURST) + 2)]
    assert waits[: int(GROUP_BURST)] == [0.0] * int(GROUP_BURST)
    assert all(w > 2.0 for w in waits[int(GROUP_BURST) :])
    assert await limits[0].take(-1002) == 0.0
