"""Does the bot keep answering others while password checks run?

Run: .venv/bin/python tests/benchmarks/bench_password_concurrency.py [ROUNDS]
The real Application on SQLite behind the fake Bot API. One user sends /help again and again and
we time each reply (the "echo"): first alone, then while other users flood the bot with
/password and the slowest hostile passwords we know (4,096-character inputs), once with the
checks in a thread and once in a worker process. The figure is the p99 of the echo under the
flood against the p99 alone, measured in the same run. The fake Bot API and the flooding users
run in the bot's own process and event loop, so part of the slowdown is theirs.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench_password_checker import hostile_set  # run as a script: a sibling module
from help_latency import help_latencies, p99  # a sibling module, as above

from bot.config import load_settings
from bot.harness import BotHarness, FakeUser
from bot.passwords.pool import CheckPool

# Enough to keep the check workers busy all the time, few enough that the replies they cause
# stay under the bot's 30 messages/s: the figure is about the event loop, not Telegram's limit.
FLOODERS = 4


async def _flood(user: FakeUser, passwords: list[str], stop: asyncio.Event) -> int:
    checks = 0
    while not stop.is_set():
        for password in passwords:
            await user.send("/password")
            await user.send(password)
            checks += 1
            if stop.is_set():
                break
    return checks


async def main(rounds: int) -> None:
    passwords = list(hostile_set(random.Random(7)).values())
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}",
            pii_secret="benchmark-secret-0123456789",
            flood_limit_per_minute=0,  # flood control would silence the flooders themselves
            send_rate="1000",  # as the harness's global_rate: the loop is measured, not Telegram
        )
        async with BotHarness(settings, global_rate=100_000) as harness:
            echo = harness.user("Echo", language_code="en")
            await help_latencies(echo, 20)  # warm up
            alone = await help_latencies(echo, rounds)
            pool = harness.application.deps.get(CheckPool)
            loaded: dict[str, list[float]] = {}
            rates: dict[str, float] = {}
            for mode, workers in (("in a thread", 0), ("in a process", 1)):
                pool.close()
                pool.workers = workers
                loaded[mode], rates[mode] = await _under_flood(harness, echo, passwords, rounds)
    print(f"password checks vs other users: {FLOODERS} users flooding with hostile passwords")
    _line("alone", alone)
    for mode, values in loaded.items():
        _line(f"checks {mode}", values, f", {rates[mode]:.1f} checks/s")
    for mode, values in loaded.items():
        print(f"  p99 with checks {mode} / p99 alone: {p99(values) / p99(alone):.2f}")


def _line(name: str, values: list[float], extra: str = "") -> None:
    print(
        f"  /help reply, {name:<22} p50 {statistics.median(values) * 1000:6.1f} ms"
        f"  p99 {p99(values) * 1000:7.1f} ms{extra}"
    )


async def _under_flood(
    harness: BotHarness, echo: FakeUser, passwords: list[str], rounds: int
) -> tuple[list[float], float]:
    stop = asyncio.Event()
    flooders = [harness.user("Flood", language_code="ru") for _ in range(FLOODERS)]
    tasks = [asyncio.create_task(_flood(f, passwords, stop)) for f in flooders]
    started = time.perf_counter()
    await asyncio.sleep(1.0)  # let the flood build up
    latencies = await help_latencies(echo, rounds)
    stop.set()
    checks = sum(await asyncio.gather(*tasks))
    return latencies, checks / (time.perf_counter() - started)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200))
