"""The figures read from the database: windows, states, medians, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import migrate
from bot.db.engine import create_engine, create_sessionmaker
from bot.guidance import daily
from bot.harness.media import inspect_photo
from bot.i18n import Texts
from bot.insights.charts import render_all
from bot.insights.figures import CAMPAIGNS, QUESTION_DAYS, WEEKS, collect, key_figures, to_json
from bot.insights.report import chart_text
from bot.revocations.models import RevocationRequest
from bot.signatures.models import Certificate
from tests.insights.seed import NOW, seed_year


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    try:
        yield engine
    finally:
        await engine.dispose()


async def test_a_year_of_data_gives_full_windows_and_renders(engine: AsyncEngine) -> None:
    seeded = await seed_year(engine, users=300, now=NOW)
    async with create_sessionmaker(engine)() as session:
        figures = await collect(session, NOW)
    g = figures.guidance
    assert len(g.days) == QUESTION_DAYS
    assert g.days[-1] == figures.day
    assert all(len(series) == QUESTION_DAYS for series in g.answered.values())
    assert sum(g.unmatched) == QUESTION_DAYS * (300 // 30 // 10)
    assert 0 < sum(sum(v) for v in g.votes.values()) < seeded.votes  # last 4 weeks only
    b = figures.broadcasts
    assert len(b.campaigns) == CAMPAIGNS
    assert [c.id for c in b.campaigns] == sorted(c.id for c in b.campaigns)
    assert all(c.sent + c.blocked + c.failed == 300 for c in b.campaigns)
    assert b.subscribers[-1] == b.active_now
    r = figures.revocations
    assert len(r.weeks) == WEEKS
    assert r.weeks[-1].weekday() == 0
    assert r.median_hours_all is not None
    assert 0.5 <= r.median_hours_all <= 72
    assert sum(map(sum, figures.guard.caught.values())) > 0
    key = key_figures(figures)
    assert key.subscribers == b.active_now
    assert key.questions == g.questions
    assert to_json(figures)["key_figures"]["questions"] == key.questions
    for chart in render_all(figures, chart_text(Texts.load(), "kk", {})):
        assert inspect_photo(chart.png).kind == "png"


async def test_days_are_counted_in_astana_time(engine: AsyncEngine) -> None:
    async with create_sessionmaker(engine)() as session:
        # 20:30 UTC is already the next day in Astana (UTC+5).
        await daily.count(session, daily.ANSWERED, "lost-key", now=NOW - timedelta(hours=10))
        await daily.count(session, daily.ANSWERED, "lost-key", now=NOW)
        await daily.count(session, daily.UNMATCHED, now=NOW)
        await daily.count(session, daily.UNMATCHED, now=NOW - timedelta(days=40))  # too old
        figures = await collect(session, NOW)
    assert figures.guidance.answered == {"lost-key": [0] * 27 + [2]}
    assert figures.guidance.unmatched == [0] * 27 + [1]


async def test_the_median_counts_decided_requests_by_the_week_of_the_decision(
    engine: AsyncEngine,
) -> None:
    rows = []
    for i, (hours, status) in enumerate([(1, "approved"), (3, "rejected"), (20, "approved")]):
        created = NOW - timedelta(days=2, hours=hours)
        rows.append(
            {
                "certificate_id": i + 1,
                "requester_id": i,
                "reason": "lost",
                "status": status,
                "created_at": created,
                "decided_at": created + timedelta(hours=hours),
            }
        )
    rows.append(
        {
            "certificate_id": 4,
            "requester_id": 9,
            "reason": "lost",
            "status": "open",
            "created_at": NOW,
            "decided_at": None,
        }
    )
    async with engine.begin() as conn:
        await conn.execute(
            insert(Certificate.__table__),
            [
                {
                    "id": i,
                    "serial_number": f"S{i}",
                    "iin": "061211600012",
                    "full_name": "X",
                    "phone_hash": str(i),
                    "key_type": "sign",
                    "valid_from": NOW.date(),
                    "valid_to": NOW.date(),
                    "status": "valid",
                    "updated_at": NOW,
                }
                for i in range(1, 5)
            ],
        )
        await conn.execute(insert(RevocationRequest.__table__), rows)
    async with create_sessionmaker(engine)() as session:
        r = (await collect(session, NOW)).revocations
    assert r.median_hours_all == 3.0
    assert r.open_now == 1
    assert sum(r.filed["approved"]) == 2
    assert sum(r.filed["rejected"]) == 1
    assert r.filed["open"][-1] == 1
