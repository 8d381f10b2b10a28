"""What revocation requests contribute to the ministry's charts: requests by state per week,
and how long a decision takes. Counts and durations only."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.transaction import transaction
from bot.ops.clock import kz_day
from bot.ops.periods import start_of, week_start, weeks_ending
from bot.revocations.models import APPROVED, OPEN, REJECTED, RevocationRequest

STATES = (OPEN, APPROVED, REJECTED)


@dataclass(frozen=True)
class RevocationFigures:
    weeks: list[date]  # Mondays, oldest first
    filed: dict[str, list[int]]  # state now → requests filed in each week
    median_hours: list[float | None]  # of requests decided in each week
    median_hours_all: float | None  # of all requests decided in the period
    open_now: int


def _median(hours: list[float]) -> float | None:
    return round(statistics.median(hours), 1) if hours else None


async def collect(session: AsyncSession, last_day: date, weeks: int) -> RevocationFigures:
    mondays = weeks_ending(last_day, weeks)
    slot = {monday: i for i, monday in enumerate(mondays)}
    since = start_of(mondays[0])
    filed = {state: [0] * weeks for state in STATES}
    decided: list[list[float]] = [[] for _ in mondays]
    r = RevocationRequest
    async with transaction(session):
        rows = await session.execute(
            select(r.status, r.created_at, r.decided_at).where(
                or_(r.created_at >= since, r.decided_at >= since)
            )
        )
        for status, created, decided_at in rows:
            i = slot.get(week_start(kz_day(created)))
            if i is not None and status in filed:
                filed[status][i] += 1
            if decided_at is not None:
                j = slot.get(week_start(kz_day(decided_at)))
                if j is not None:
                    decided[j].append((decided_at - created).total_seconds() / 3600)
        open_now = await session.scalar(select(func.count()).select_from(r).where(r.status == OPEN))
    return RevocationFigures(
        weeks=mondays,
        filed=filed,
        median_hours=[_median(hours) for hours in decided],
        median_hours_all=_median([h for hours in decided for h in hours]),
        open_now=int(open_now or 0),
    )
