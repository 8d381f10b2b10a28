"""Benchmark 1: does a broadcast run at BROADCAST_RATE against Telegram's 30/s limit?

The real bot (Application, rate limiter, dispatcher) against the fake Bot API enforcing a
global 30 messages/s, as Telegram does. For each database and each configured rate it sends one
campaign to N subscribers and prints the achieved rate (first to last delivery), its ratio to
the configured rate (target >= 0.95), the 429s Telegram answered (target 0 at 25/s), whether
each subscriber got exactly one message, and how long an interactive /help took meanwhile.

    .venv/bin/python tests/benchmarks/bench_broadcast_rate.py [--recipients 3000] [--rates 25 30]

PostgreSQL runs too when TEST_DATABASE_URL is set. About 2 minutes per database and rate.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bench_broadcast_support import (
    Stopwatch,
    achieved_rate,
    add_accounts,
    chat_ids,
    create_campaign,
    fresh_database,
    kinds,
    per_chat,
    seed_subscribers,
    sent_times,
    summary,
)

from bot.broadcasts import worker
from bot.broadcasts.models import CampaignState
from bot.config import load_settings
from bot.harness import BotHarness

OPERATOR = 900_001
TELEGRAM_LIMIT = 30.0


async def one_run(kind: str, rate: float, recipients: int) -> dict[str, object]:
    db = await fresh_database(kind)
    chats = chat_ids(recipients)
    await seed_subscribers(db.url, chats)
    settings = load_settings(
        database_url=db.url,
        bot_data_dir=Path(tempfile.mkdtemp(prefix="esign-bench-")),
        pii_secret="bench-pii-secret-0123456789",
        operator_ids=str(OPERATOR),
        broadcast_rate=rate,
        log_level="WARNING",
    )
    clock = Stopwatch()
    try:
        async with BotHarness(settings, global_rate=TELEGRAM_LIMIT) as harness:
            add_accounts(harness.api, chats)
            operator = harness.user("Operator", language_code="en", user_id=OPERATOR)
            asker = harness.user("Asker", language_code="ru")
            texts = {
                lang: f"<b>Warning</b> ({lang}): never tell anyone an SMS code"
                for lang in ("kk", "ru", "en")
            }
            campaign_id = await create_campaign(db.url, texts, operator.id)
            worker.wake(harness.application.deps)
            latencies: list[float] = []
            while (await summary(db.url, campaign_id)).state != CampaignState.DONE:
                started = time.monotonic()
                await asker.send("/help")
                latencies.append(time.monotonic() - started)
                await asyncio.sleep(2.0)
            final = await summary(db.url, campaign_id)
            wanted = set(chats)
            times = sorted(sent_times(harness.api, wanted))
            counts = per_chat(harness.api, wanted)
            achieved = achieved_rate(times)
            return {
                "db": kind,
                "configured": rate,
                "achieved": achieved,
                "ratio": achieved / rate,
                "429s": harness.api.rate_limited,
                "sent": final.count("sent"),
                "exactly_once": all(n == 1 for n in counts.values()),
                "help_median_ms": statistics.median(latencies) * 1000 if latencies else 0.0,
                "help_max_ms": max(latencies) * 1000 if latencies else 0.0,
                "took": str(clock),
            }
    finally:
        await db.drop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=3000)
    parser.add_argument("--rates", type=float, nargs="+", default=[25.0, 30.0])
    args = parser.parse_args()
    total = Stopwatch()
    print(
        f"broadcast rate: {args.recipients} recipients, Telegram (harness) limit "
        f"{TELEGRAM_LIMIT:.0f}/s"
    )
    header = (
        f"{'db':<11}{'rate':>6}{'achieved':>10}{'ratio':>7}{'429s':>6}{'sent':>7}"
        f"{'once':>6}{'/help med':>11}{'/help max':>11}{'took':>9}"
    )
    print(header)
    for kind in kinds():
        for rate in args.rates:
            r = await one_run(kind, rate, args.recipients)
            print(
                f"{r['db']:<11}{r['configured']:>6.0f}{r['achieved']:>10.2f}{r['ratio']:>7.3f}"
                f"{r['429s']:>6}{r['sent']:>7}{'yes' if r['exactly_once'] else 'NO':>6}"
                f"{r['help_median_ms']:>9.0f}ms{r['help_max_ms']:>9.0f}ms{r['took']:>9}",
                flush=True,
            )
    print(f"total {total}")


if __name__ == "__main__":
    asyncio.run(main())
