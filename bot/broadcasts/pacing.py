"""Pacing of broadcast sends: a token bucket that can be held shut (Telegram's 429
retry_after), or only the hold when the bot's send budget paces them."""

from __future__ import annotations

import asyncio
import time
from typing import Protocol


class Pacer(Protocol):
    async def acquire(self) -> None: ...

    def hold(self, seconds: float) -> None: ...


class TokenBucket:
    """`rate` tokens a second, at most `capacity` saved up; waiters are served in order.

    It starts with one token, not a full bucket, so a campaign opens at its pace rather than
    with a burst; the small capacity only absorbs the timer's jitter.
    """

    def __init__(self, rate: float, capacity: float | None = None) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.capacity = max(1.0, capacity if capacity is not None else max(2.0, rate * 0.05))
        self._tokens = 1.0
        self._stamp = time.monotonic()
        self._hold_until = 0.0
        self._lock = asyncio.Lock()

    def _refill(self, now: float) -> None:
        if now > self._stamp:
            self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = time.monotonic()
                if now < self._hold_until:
                    await asyncio.sleep(self._hold_until - now)
                    continue
                self._refill(now)
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return
                await asyncio.sleep((1.0 - self._tokens) / self.rate)

    def hold(self, seconds: float) -> None:
        """Nobody sends for `seconds`; afterwards the pace starts again from an empty bucket."""
        until = time.monotonic() + max(0.0, seconds)
        if until > self._hold_until:
            self._hold_until = until
            self._tokens = 0.0
            self._stamp = until


class HoldOnly:
    """No pace of its own (the bot's send budget paces the sends); still held after a 429."""

    def __init__(self) -> None:
        self._hold_until = 0.0

    async def acquire(self) -> None:
        # A hold may be extended while we wait: look again after each sleep.
        wait = self._hold_until - time.monotonic()
        while wait > 0:
            await asyncio.sleep(wait)
            wait = self._hold_until - time.monotonic()

    def hold(self, seconds: float) -> None:
        self._hold_until = max(self._hold_until, time.monotonic() + max(0.0, seconds))
