"""The send scheduler: one queue per lane, one budget of send slots, Telegram's chat limits.

Telegram allows a bot about 30 messages a second in all, whatever the number of processes
sending them. The budget is a sequence of *slots*, evenly spaced at the configured rate; a
process owns the slots it takes from a `Slots` source (in memory here, leased from PostgreSQL
in bot/ops/budget.py when several instances share a token). At each slot this process owns,
the waiting call of the lowest lane goes (secrets, then replies, then notices, then
broadcasts), so a broadcast holds up a reply by at most the one slot already given to it.
A call that cannot go now for its chat's own limit waits without holding up the others.

Nothing here knows Telegram: bot/ops/sender.py puts Bot API calls through `acquire`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from bot.ops.cancellation import reraise_if_cancelled
from bot.ops.lanes import Lane

log = logging.getLogger(__name__)

Clock = Callable[[], float]

# How far ahead of now a lane may take slots. Broadcasts and notices take only the next few,
# so a reply on another instance finds a slot within that much; replies and deletions may
# queue up to two seconds of slots when replies alone fill the budget.
HORIZON: Mapping[Lane, float] = {
    Lane.SECRET: 2.0,
    Lane.REPLY: 2.0,
    Lane.NOTICE: 0.3,
    Lane.BROADCAST: 0.15,
}
MAX_CHUNK = 8  # slots taken at once, at most: what an instance that dies can waste
SLOT_GRACE = 0.5  # a slot not used this long after its time is dropped (a stalled process)
CHAT_RATE = 1.0  # messages a second to one chat (Telegram: "avoid more than one")
CHAT_BURST = 3.0
GROUP_RATE = 20.0 / 60.0  # messages a second to one group: 20 a minute
GROUP_BURST = 20.0


@dataclass(frozen=True)
class Grant:
    """Slots taken: their times on this process's monotonic clock; or, when none could be
    taken within the lane's horizon, when to ask again."""

    times: tuple[float, ...] = ()
    retry_at: float = 0.0


class Slots(Protocol):
    async def take(self, count: int, lane: Lane) -> Grant: ...

    async def hold(self, seconds: float) -> None:
        """Nobody, on any instance, gets a slot for `seconds` (Telegram's retry_after)."""
        ...


class GroupLimit(Protocol):
    async def take(self, chat_id: int) -> float:
        """Take one message of the group's allowance: 0.0, or the seconds until there is one."""
        ...


def cursor_grant(
    cursor: int, now_slot: int, *, count: int, horizon: int, burst: int, most: int = 0
) -> tuple[int, int]:
    """(first slot, how many) the next `count` free slots give within the horizon.

    Slots are numbered from the epoch at the budget's rate. The cursor is the next slot nobody
    has; it may lag behind now by `burst` slots (an idle budget saves a short burst, as
    Telegram's does), and is never taken further ahead than `horizon` slots from now. Up to
    `most` are taken when that many are saved-up ones, due already: the cursor never passes
    now for more than `count`. PostgreSQL runs the same arithmetic in one UPDATE
    (bot/ops/budget.py)."""
    start = max(cursor, now_slot - burst)
    wanted = max(count, min(most, now_slot - start))
    return start, max(0, min(wanted, now_slot + horizon - start))


class LocalSlots:
    """The whole budget in this process: one instance (SQLite), or a test."""

    def __init__(self, rate: float, *, burst: float | None = None, clock: Clock = time.monotonic):
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = int(rate if burst is None else burst)
        self.clock = clock
        self._cursor = 0

    async def take(self, count: int, lane: Lane) -> Grant:
        now = self.clock()
        now_slot = math.ceil(now * self.rate)
        horizon = max(1, int(HORIZON[lane] * self.rate))
        start, n = cursor_grant(
            self._cursor, now_slot, count=count, horizon=horizon, burst=self.burst
        )
        if n == 0:
            return Grant(retry_at=(start - horizon) / self.rate)
        self._cursor = start + n
        return Grant(times=tuple(max(now, (start + i) / self.rate) for i in range(n)))

    async def hold(self, seconds: float) -> None:
        # The cursor past the hold: the saved-up burst only comes back a while after it.
        self._cursor = max(self._cursor, math.ceil((self.clock() + seconds) * self.rate))


class Bucket:
    """A token bucket: `rate` a second, `capacity` saved up."""

    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate, self.capacity = rate, capacity
        self.tokens, self.stamp = capacity, now

    def level(self, now: float) -> float:
        return min(self.capacity, self.tokens + max(0.0, now - self.stamp) * self.rate)

    def wait(self, now: float) -> float:
        """Seconds until a token is there (0.0: now)."""
        level = self.level(now)
        return 0.0 if level >= 1.0 else (1.0 - level) / self.rate

    def take(self, now: float) -> None:
        self.tokens, self.stamp = self.level(now) - 1.0, now


class LocalGroupLimit:
    """20 messages a minute per group, counted in this process."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self.clock = clock
        self._buckets: dict[int, Bucket] = {}

    async def take(self, chat_id: int) -> float:
        now = self.clock()
        bucket = self._buckets.get(chat_id)
        if bucket is None:
            if len(self._buckets) > 4096:  # forget groups whose allowance is whole again
                self._buckets = {
                    k: b for k, b in self._buckets.items() if b.level(now) < b.capacity
                }
            bucket = self._buckets[chat_id] = Bucket(GROUP_RATE, GROUP_BURST, now)
        wait = bucket.wait(now)
        if wait == 0.0:
            bucket.take(now)
        return wait


@dataclass(eq=False)
class _Ticket:
    lane: Lane
    chat_id: int | None  # paced per chat when set
    future: asyncio.Future[None]
    queued_at: float


@dataclass
class Stats:
    granted: dict[Lane, int] = field(default_factory=lambda: dict.fromkeys(Lane, 0))
    expired_slots: int = 0
    leases: int = 0


class Scheduler:
    """Gives each waiting call a send slot, lowest lane first."""

    def __init__(
        self,
        slots: Slots,
        *,
        groups: GroupLimit | None = None,
        lane_caps: Mapping[Lane, float] | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        self.slots_source = slots
        self.groups = groups or LocalGroupLimit(clock)
        self.clock = clock
        self.stats = Stats()
        self._queues: dict[Lane, deque[_Ticket]] = {lane: deque() for lane in Lane}
        self._slots: deque[tuple[float, float]] = deque()  # (time, expires)
        self._chats: dict[int, Bucket] = {}
        self._caps = {
            lane: Bucket(rate, max(1.0, rate * 0.05), clock())
            for lane, rate in (lane_caps or {}).items()
        }
        self._hold_until = 0.0
        self._wake = asyncio.Event()
        self._pump: asyncio.Task[None] | None = None

    # ---- what callers use ------------------------------------------------------------------

    async def acquire(self, lane: Lane, chat_id: int | None = None, *, new_message: bool) -> float:
        """Return when this process may make the call now; the seconds waited.

        `new_message`: the call puts a message in `chat_id` (so the chat's limits apply)."""
        started = self.clock()
        if new_message and chat_id is not None and chat_id < 0:
            await self._group_allowance(chat_id)
        # Replies go at the pace of the person asking (flood control caps that at 20 a
        # minute); what nobody asked for just now is paced to one a second per chat.
        paced = new_message and chat_id is not None and chat_id > 0 and lane >= Lane.NOTICE
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        ticket = _Ticket(lane, chat_id if paced else None, future, started)
        self._queues[lane].append(ticket)
        self._ensure_pump()
        self._wake.set()
        try:
            await future
        except asyncio.CancelledError:
            with contextlib.suppress(ValueError):
                self._queues[lane].remove(ticket)
            raise
        return self.clock() - started

    async def hold(self, seconds: float) -> None:
        """Telegram said 429: nobody here sends for `seconds`, nor (through the source) anywhere."""
        self._hold_until = max(self._hold_until, self.clock() + seconds)
        self._slots.clear()
        self._wake.set()
        try:
            await self.slots_source.hold(seconds)
        except Exception:  # the local hold stands; the others find out at their next 429
            reraise_if_cancelled()
            log.warning("could not share a rate-limit hold", exc_info=True)

    @property
    def held(self) -> bool:
        return self.clock() < self._hold_until

    def waiting(self, lane: Lane) -> int:
        return len(self._queues[lane])

    async def close(self) -> None:
        pump, self._pump = self._pump, None
        if pump is not None:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump

    # ---- inside ----------------------------------------------------------------------------

    async def _group_allowance(self, chat_id: int) -> None:
        while True:
            try:
                wait = await self.groups.take(chat_id)
            except Exception:  # the shared count is away: count here rather than stall
                reraise_if_cancelled()
                log.warning("group allowance unavailable; counting locally", exc_info=True)
                self.groups = LocalGroupLimit(self.clock)
                continue
            if wait <= 0.0:
                return
            await asyncio.sleep(wait)

    def _ensure_pump(self) -> None:
        if self._pump is None or self._pump.done():
            self._pump = asyncio.create_task(self._run(), name="send-scheduler")

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but wake early when a call arrives (it may be of a lower lane)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), max(0.0, seconds))

    def _top_lane(self) -> Lane | None:
        for lane in Lane:
            queue = self._queues[lane]
            while queue and queue[0].future.done():
                queue.popleft()
            if queue:
                return lane
        return None

    async def _run(self) -> None:
        while True:
            try:
                await self._step()
            except Exception:  # a failing source must not strand every caller
                reraise_if_cancelled()
                log.exception("send scheduler step failed")
                await asyncio.sleep(0.1)

    async def _step(self) -> None:
        # Cleared before looking: a call that arrives while this step awaits wakes the next.
        self._wake.clear()
        lane = self._top_lane()
        if lane is None:
            await self._wake.wait()
            return
        now = self.clock()
        if now < self._hold_until:
            await self._sleep(self._hold_until - now)
            return
        while self._slots and self._slots[0][1] < now:
            self._slots.popleft()
            self.stats.expired_slots += 1
        if not self._slots:
            demand = sum(len(q) for q in self._queues.values())
            grant = await self.slots_source.take(min(MAX_CHUNK, max(1, demand)), lane)
            self.stats.leases += 1
            if not grant.times:
                await self._sleep(min(0.25, max(0.002, grant.retry_at - self.clock())))
                return
            taken_at = self.clock()
            self._slots.extend((t, max(t, taken_at) + SLOT_GRACE) for t in grant.times)
            return
        at, expires = self._slots[0]
        if at > now:
            await self._sleep(at - now)
            return
        ticket, ready_in = self._pick(now)
        if ticket is None:
            await self._sleep(min(ready_in, expires - now))
            return
        self._slots.popleft()
        if ticket.chat_id is not None:
            self._chat_bucket(ticket.chat_id, now).take(now)
        cap = self._caps.get(ticket.lane)
        if cap is not None:
            cap.take(now)
        self.stats.granted[ticket.lane] += 1
        ticket.future.set_result(None)

    def _chat_bucket(self, chat_id: int, now: float) -> Bucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if len(self._chats) > 4096:
                self._chats = {k: b for k, b in self._chats.items() if b.level(now) < b.capacity}
            bucket = self._chats[chat_id] = Bucket(CHAT_RATE, CHAT_BURST, now)
        return bucket

    def _pick(self, now: float) -> tuple[_Ticket | None, float]:
        """The first ready call of the lowest lane; else the seconds until one is ready."""
        ready_in = math.inf
        for lane in Lane:
            queue = self._queues[lane]
            cap = self._caps.get(lane)
            if queue and cap is not None and (wait := cap.wait(now)) > 0.0:
                ready_in = min(ready_in, wait)
                continue
            for ticket in queue:
                if ticket.future.done():
                    continue
                if ticket.chat_id is not None:
                    wait = self._chat_bucket(ticket.chat_id, now).wait(now)
                    if wait > 0.0:
                        ready_in = min(ready_in, wait)
                        continue
                queue.remove(ticket)
                return ticket, 0.0
        return None, ready_in
