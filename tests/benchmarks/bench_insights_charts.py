"""Operators' charts at a year of data for 100,000 users: time to read and draw each chart.

Run: .venv/bin/python tests/benchmarks/bench_insights_charts.py [--users N] [--postgres URL]

Seeds a fresh database (SQLite in a temporary folder, or a new PostgreSQL database) with a year:
about one question a user a month, 100,000 votes, 5,000 revocation requests with decisions,
100,000 subscribers, a campaign a month to all of them (1.2 million delivery rows) and 20,000
work-chat catches. Then, per chart, times its query (the feature's counts) and its drawing,
best of three, against the target of 1 s; the baseline, measured in the same run, is drawing
the same chart with no data (matplotlib's fixed cost of a figure and a PNG).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.broadcasts import figures as broadcasts
from bot.db import migrate
from bot.db.engine import create_engine, create_sessionmaker
from bot.groups import figures as groups
from bot.guidance import figures as guidance
from bot.i18n import Texts
from bot.insights import charts
from bot.insights.figures import (
    CAMPAIGNS,
    QUESTION_DAYS,
    SUBSCRIBER_DAYS,
    WEEKS,
    Figures,
    collect,
)
from bot.insights.report import chart_text
from bot.ops.clock import kz_day
from bot.revocations import figures as revocations
from tests.insights import samples
from tests.insights.seed import NOW, seed_year

TARGET = 1.0


async def best_of(runs: int, action: Callable[[], Awaitable[Any]]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await action()
        times.append(time.perf_counter() - started)
    return min(times)


def draw_time(draw: Callable[..., bytes], figures: Figures, runs: int = 3) -> float:
    text = chart_text(Texts.load(), "ru", {})
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        draw(figures, text)
        times.append(time.perf_counter() - started)
    return min(times)


async def main(users: int, postgres: str | None) -> None:
    if postgres:
        import os

        from tests.conftest import _drop_postgres_database, _fresh_postgres_database

        os.environ["TEST_DATABASE_URL"] = postgres
        admin_url, name, url = await _fresh_postgres_database()
    else:
        folder = tempfile.mkdtemp(prefix="bench-charts-")  # removed at the end
        url = f"sqlite+aiosqlite:///{folder}/bench.sqlite3"
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
        started = time.perf_counter()
        seeded = await seed_year(engine, users=users, now=NOW)
        print(
            f"seeded {engine.dialect.name}: {seeded.users:,} users, {seeded.votes:,} votes, "
            f"{seeded.requests:,} requests, {seeded.deliveries:,} deliveries, "
            f"{seeded.catches:,} catches in {time.perf_counter() - started:.1f} s"
        )
        today = kz_day(NOW)
        async with create_sessionmaker(engine)() as session:
            figures = await collect(session, NOW)
            from datetime import timedelta

            queries: dict[str, Callable[[], Awaitable[Any]]] = {
                "questions": lambda: guidance.collect(
                    session, today, QUESTION_DAYS, NOW - timedelta(days=QUESTION_DAYS)
                ),
                "votes": lambda: guidance.collect(
                    session, today, QUESTION_DAYS, NOW - timedelta(days=QUESTION_DAYS)
                ),
                "revocations": lambda: revocations.collect(session, today, WEEKS),
                "reach": lambda: broadcasts.collect(session, today, SUBSCRIBER_DAYS, CAMPAIGNS),
                "subscribers": lambda: broadcasts.collect(
                    session, today, SUBSCRIBER_DAYS, CAMPAIGNS
                ),
                "catches": lambda: groups.collect(session, today, WEEKS),
            }
            print(
                f"{'chart':<12} {'query':>8} {'draw':>8} {'total':>8} {'of 1 s':>7} {'empty draw':>11} {'ratio':>6}"
            )
            worst = 0.0
            for name, draw in charts.CHARTS:
                query = await best_of(3, queries[name])
                drawn = draw_time(draw, figures)
                empty = draw_time(draw, samples.empty())
                total = query + drawn
                worst = max(worst, total)
                print(
                    f"{name:<12} {query * 1000:>6.0f}ms {drawn * 1000:>6.0f}ms "
                    f"{total * 1000:>6.0f}ms {total / TARGET:>7.2f} {empty * 1000:>9.0f}ms "
                    f"{drawn / empty:>6.2f}"
                )
            print(f"slowest chart: {worst:.2f} s (target < {TARGET:.0f} s)")
    finally:
        await engine.dispose()
        if postgres:
            await _drop_postgres_database(admin_url, name)
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--postgres", help="a PostgreSQL URL to create a scratch database on")
    args = parser.parse_args()
    asyncio.run(main(args.users, args.postgres))
