"""The send scheduler without Telegram: lanes, the budget's pace, chat limits, 429 holds."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from bot.ops.lanes import Lane, is_budgeted, is_new_message, lane_of, sending_as
from bot.ops.sendqueue import (
    CHAT_BURST,
    GROUP_BURST,
    Grant,
    LocalGroupLimit,
    LocalSlots,
    Scheduler,
    cursor_grant,
)

RATE = 50.0  # slots a second: 20 ms apart, quick enough for a test, slow enough to measure


def test_the_cursor_saves_a_burst_and_never_runs_past_the_horizon() -> None:
    # An idle budget: the cursor lags; up to `burst` slots are due at once.
    assert cursor_grant(0, 1000, count=8, horizon=4, burst=15) == (985, 8)
    # A busy one: slots follow the cursor, but no further than the horizon from now.
    assert cursor_grant(1002, 1000, count=8, horizon=4, burst=15) == (1002, 2)
    assert cursor_grant(1004, 1000, count=8, horizon=4, burst=15) == (1004, 0)


def test_spare_slots_come_only_from_those_saved_up() -> None:
    # Idle: one asked for, seven more of the fifteen due already.
    assert cursor_grant(0, 1000, count=1, horizon=4, burst=15, most=8) == (985, 8)
    # Three saved up: those three, not eight.
    assert cursor_grant(997, 1000, count=1, horizon=4, burst=15, most=8) == (997, 3)
    # None due: only the one asked for, as without spares.
    assert cursor_grant(1000, 1000, count=1, horizon=4, burst=15, most=8) == (1000, 1)
    assert cursor_grant(1002, 1000, count=1, horizon=4, burst=15, most=8) == (1002, 1)


async def test_slots_keep_the_rate_once_the_burst_is_spent() -> None:
    slots = LocalSlots(RATE, burst=0)
    times: list[float] = []
    while len(times) < 60:
        grant = await slots.take(8, Lane.REPLY)
        times.extend(grant.times)
    times = times[:60]
    span = times[-1] - times[0]
    assert span == pytest.approx(59 / RATE, abs=1e-6)
    assert all(b - a >= 1 / RATE - 1e-9 for a, b in itertools.pairwise(times))


async def test_a_broadcast_takes_no_slot_beyond_its_short_horizon() -> None:
    slots = LocalSlots(RATE, burst=0)
    taken = 0
    for _ in range(10):
        taken += len((await slots.take(8, Lane.BROADCAST)).times)
    # 0.15 s of slots ahead at most: the rest of the budget stays free for replies.
    assert taken <= int(0.15 * RATE) + 1
    refused = await slots.take(8, Lane.BROADCAST)
    assert refused.times == ()
    assert refused.retry_at > time.monotonic()
    assert (await slots.take(1, Lane.REPLY)).times  # a reply still gets one


async def _send_times(scheduler: Scheduler, lane: Lane, n: int, log: list[tuple[Lane, float]]):
    async def one() -> None:
        await scheduler.acquire(lane, None, new_message=False)
        log.append((lane, time.monotonic()))

    await asyncio.gather(*(one() for _ in range(n)))


async def test_a_broadcast_never_holds_up_a_reply_by_more_than_one_slot() -> None:
    scheduler = Scheduler(LocalSlots(RATE, burst=0))
    log: list[tuple[Lane, float]] = []
    backlog = asyncio.create_task(_send_times(scheduler, Lane.BROADCAST, 200, log))
    await asyncio.sleep(0.3)  # the broadcast is taking every slot
    delays = []
    for _ in range(10):
        asked = time.monotonic()
        await scheduler.acquire(Lane.REPLY, None, new_message=False)
        delays.append(time.monotonic() - asked)
        await asyncio.sleep(0.05)
    backlog.cancel()
    await scheduler.close()
    # One slot is 20 ms; allow the event loop's own jitter on top.
    assert max(delays) < 2 / RATE + 0.015, delays


async def test_lanes_are_served_in_order_and_the_total_keeps_the_rate() -> None:
    scheduler = Scheduler(LocalSlots(RATE, burst=0))
    log: list[tuple[Lane, float]] = []
    await asyncio.gather(
        _send_times(scheduler, Lane.BROADCAST, 20, log),
        _send_times(scheduler, Lane.NOTICE, 10, log),
        _send_times(scheduler, Lane.REPLY, 10, log),
        _send_times(scheduler, Lane.SECRET, 5, log),
    )
    await scheduler.close()
    order = [lane for lane, _ in log]
    assert order == sorted(order)  # all queued at once: secrets, replies, notices, broadcasts
    times = [at for _, at in log]
    assert (len(times) - 1) / (times[-1] - times[0]) <= RATE * 1.02


async def test_broadcasts_take_every_slot_the_others_leave() -> None:
    scheduler = Scheduler(LocalSlots(RATE, burst=0))
    log: list[tuple[Lane, float]] = []
    started = time.monotonic()
    await asyncio.gather(
        _send_times(scheduler, Lane.BROADCAST, 40, log),
        _send_times(scheduler, Lane.REPLY, 10, log),
    )
    elapsed = time.monotonic() - started
    await scheduler.close()
    assert 50 / elapsed >= 0.95 * RATE


async def test_a_chat_gets_unasked_messages_at_one_a_second_and_others_pass_meanwhile() -> None:
    scheduler = Scheduler(LocalSlots(RATE, burst=0))
    done: dict[int, list[float]] = {1: [], 2: []}

    async def notice(chat: int) -> None:
        await scheduler.acquire(Lane.NOTICE, chat, new_message=True)
        done[chat].append(time.monotonic())

    started = time.monotonic()
    await asyncio.gather(*(notice(1) for _ in range(int(CHAT_BURST) + 1)), notice(2))
    await scheduler.close()
    # The burst goes at once; the one after waits about a second; chat 2 did not wait for it.
    assert done[1][-1] - started >= 0.9
    assert done[2][0] - started < 0.3


async def test_replies_are_not_paced_per_chat() -> None:
    scheduler = Scheduler(LocalSlots(RATE, burst=0))
    started = time.monotonic()
    for _ in range(8):
        await scheduler.acquire(Lane.REPLY, 7, new_message=True)
    await scheduler.close()
    assert time.monotonic() - started < 8 / RATE + 0.2


async def test_a_group_gets_twenty_messages_a_minute() -> None:
    groups = LocalGroupLimit()
    waits = [await groups.take(-100) for _ in range(int(GROUP_BURST) + 1)]
    assert waits[:-1] == [0.0] * int(GROUP_BURST)
    assert waits[-1] == pytest.approx(3.0, abs=0.1)  # 60 s / 20
    assert await groups.take(-200) == 0.0  # another group has its own allowance


class _CountingSlots(LocalSlots):
    def __init__(self, rate: float) -> None:
        super().__init__(rate, burst=0)
        self.holds: list[float] = []
        self.asked: list[int] = []

    async def take(self, count: int, lane: Lane) -> Grant:
        self.asked.append(count)
        return await super().take(count, lane)

    async def hold(self, seconds: float) -> None:
        self.holds.append(seconds)
        await super().hold(seconds)


async def test_a_429_holds_every_lane_and_is_passed_to_the_shared_budget() -> None:
    slots = _CountingSlots(RATE)
    scheduler = Scheduler(slots)
    await scheduler.acquire(Lane.REPLY, None, new_message=False)
    await scheduler.hold(0.3)
    assert slots.holds == [0.3]
    assert scheduler.held
    started = time.monotonic()
    await scheduler.acquire(Lane.SECRET, None, new_message=False)
    assert time.monotonic() - started >= 0.28
    await scheduler.close()


async def test_slots_are_taken_in_chunks_not_one_by_one() -> None:
    slots = _CountingSlots(RATE)
    scheduler = Scheduler(slots)
    log: list[tuple[Lane, float]] = []
    await _send_times(scheduler, Lane.REPLY, 40, log)
    await scheduler.close()
    assert len(slots.asked) <= 40 / 4  # the database is asked per lease, not per message
    assert max(slots.asked) > 1


async def test_a_cancelled_call_gives_its_place_up() -> None:
    scheduler = Scheduler(LocalSlots(1.0, burst=0))
    await scheduler.acquire(Lane.REPLY, None, new_message=False)
    waiting = asyncio.create_task(scheduler.acquire(Lane.BROADCAST, None, new_message=False))
    await asyncio.sleep(0.05)
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    assert scheduler.waiting(Lane.BROADCAST) == 0
    await scheduler.close()


def test_calls_find_their_lane() -> None:
    assert lane_of("deleteMessage") is Lane.SECRET
    assert lane_of("sendMessage") is Lane.NOTICE  # no update being handled: a notice
    assert lane_of("sendMessage", Lane.BROADCAST) is Lane.BROADCAST
    with sending_as(Lane.NOTICE):
        assert lane_of("editMessageText") is Lane.NOTICE
    assert is_new_message("sendDocument")
    assert not is_new_message("editMessageText")
    assert is_budgeted("deleteMessage")
    assert is_budgeted("editMessageText")
    assert not is_budgeted("sendChatAction")
    assert not is_budgeted("answerCallbackQuery")
    assert not is_budgeted("getChatMember")
