"""Does one user's worst message stall everyone else?

Run: .venv/bin/python tests/benchmarks/bench_abuse_concurrency.py [ROUNDS]

The real Application on SQLite behind the fake Bot API, flood control as shipped
(FLOOD_LIMIT_PER_MINUTE=20). One user sends /help again and again and we time each reply:
first alone, then while three other users send the worst messages we know for every detector
and parser (4,096-character texts built against the credential scans, the matcher and the
scrubber; 64 KiB certificate files built against the PEM search), in two ways:

- paced: each at the rate flood control allows (20 a minute), so every message is handled;
- unpaced: back to back; after 20 a user is muted, but each further message still reaches the
  password screen (which runs before flood control) and the flood counter.

The figure is the p99 of /help under load against the p99 alone, in the same run (goal
≤ 1.5×). The fake Bot API and the senders run in the bot's own process and event loop, so part
of any slowdown is theirs. The password check itself is not in the mix: it has its own
benchmark (bench_password_concurrency.py), and runs in a worker process.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

from help_latency import help_latencies, p99  # a sibling module, as above
from worst_inputs import WORST_FILES, WORST_TEXTS  # run as a script: a sibling module

from bot.config import load_settings
from bot.harness import BotHarness, FakeUser

SENDERS = 3
FLOOD_LIMIT = 20  # the shipped default, per user and minute
# The one asking for /help is an operator: exempt from flood control, so 200 rounds a minute
# measure the bot, not the limit.
ECHO_ID = 4242


WORST: list[str | tuple[str, bytes]] = [
    *WORST_TEXTS.values(),
    *((f"{name}.pem", data) for name, data in WORST_FILES.items()),
]
# The control: the same number of ordinary messages (a question, a small file), so that what
# the worst inputs add shows apart from what any message costs.
ORDINARY: list[str | tuple[str, bytes]] = [
    "what is an e-signature?" if i % 3 else ("notes.txt", b"hello") for i in range(len(WORST))
]


async def _send(
    user: FakeUser, items: list[str | tuple[str, bytes]], stop: asyncio.Event, pause: float
) -> int:
    sent = 0
    while not stop.is_set():
        for item in items:
            if isinstance(item, str):
                await user.send(item)
            else:
                await user.send_document(*item)
            sent += 1
            if stop.is_set():
                break
            if pause:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), pause)
    return sent


async def _under_load(
    harness: BotHarness,
    echo: FakeUser,
    rounds: int,
    items: list[str | tuple[str, bytes]],
    pause: float,
) -> tuple[list[float], float]:
    stop = asyncio.Event()
    senders = [harness.user(f"Sender{i}", language_code="ru") for i in range(SENDERS)]
    tasks = [asyncio.create_task(_send(s, items, stop, pause)) for s in senders]
    started = time.perf_counter()
    await asyncio.sleep(0.5)
    latencies = await help_latencies(echo, rounds)
    stop.set()
    sent = sum(await asyncio.gather(*tasks))
    return latencies, sent / (time.perf_counter() - started)


def _line(name: str, values: list[float], extra: str = "") -> None:
    print(
        f"  /help reply, {name:<17} p50 {statistics.median(values) * 1000:6.1f} ms"
        f"  p99 {p99(values) * 1000:7.1f} ms{extra}"
    )


async def main(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}",
            bot_data_dir=tmp,
            pii_secret="benchmark-secret-0123456789",
            flood_limit_per_minute=FLOOD_LIMIT,
            operator_ids=str(ECHO_ID),
            # Telegram's 30 messages/s lifted, as the harness's: the figure is about the event
            # loop, not about replies queueing for the send budget.
            send_rate="1000",
        )
        async with BotHarness(settings, global_rate=100_000) as harness:
            echo = harness.user("Echo", language_code="en", user_id=ECHO_ID)
            await help_latencies(echo, 20)  # warm up
            alone = await help_latencies(echo, rounds)
            loaded: dict[str, tuple[list[float], float]] = {}
            for pace, pause in (("paced", 60 / FLOOD_LIMIT), ("unpaced", 0.0)):
                for kind, items in (("worst", WORST), ("ordinary", ORDINARY)):
                    mode = f"{pace}, {kind}"
                    loaded[mode] = await _under_load(harness, echo, rounds, items, pause)
    print(f"another user's /help while {SENDERS} users send the worst messages ({rounds} rounds)")
    _line("alone", alone)
    for mode, (values, rate) in loaded.items():
        _line(mode, values, f", {rate:.1f} messages/s")
    for mode, (values, _) in loaded.items():
        print(f"  p99 {mode} / p99 alone: {p99(values) / p99(alone):.2f}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 150))
