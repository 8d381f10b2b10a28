"""Telegram's flood limits as the fake server applies them."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    """`rate` tokens per `period` seconds, bursting up to `capacity`."""

    rate: float
    period: float = 1.0
    capacity: float | None = None
    _tokens: float = field(init=False)
    _stamp: float = field(init=False)

    def __post_init__(self) -> None:
        if self.capacity is None:
            self.capacity = self.rate
        self._tokens = self.capacity
        self._stamp = time.monotonic()

    def take(self) -> float:
        """Take one token: 0.0 when allowed, else the seconds to wait (Telegram's retry_after)."""
        now = time.monotonic()
        per_second = self.rate / self.period
        assert self.capacity is not None
        self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * per_second)
        self._stamp = now
        if self._tokens >= 1:
            self._tokens -= 1
            return 0.0
        return (1 - self._tokens) / per_second


def retry_after_seconds(wait: float) -> int:
    return max(1, math.ceil(wait))
