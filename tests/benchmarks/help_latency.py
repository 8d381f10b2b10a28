"""How long another user's /help takes: the measure of "one message must not stall everyone".

Shared by the concurrency benchmarks (imported as a sibling module: they run as scripts).
"""

from __future__ import annotations

import time

from bot.harness import FakeUser


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.99) - 1)]


async def help_latencies(user: FakeUser, rounds: int) -> list[float]:
    """Seconds from sending /help to its reply, `rounds` times in a row."""
    latencies = []
    for _ in range(rounds):
        start = time.perf_counter()
        reply = await user.send("/help")
        latencies.append(time.perf_counter() - start)
        assert reply.messages
    return latencies
