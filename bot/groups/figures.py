"""What the work-chat guard contributes to the ministry's charts: catches per week by kind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.transaction import transaction
from bot.groups.models import GuardCatch
from bot.groups.service import CatchKind
from bot.ops.periods import per_week, start_of, weeks_ending


@dataclass(frozen=True)
class GuardFigures:
    weeks: list[date]  # Mondays, oldest first
    caught: dict[str, list[int]]  # kind → catches per week


async def collect(session: AsyncSession, last_day: date, weeks: int) -> GuardFigures:
    mondays = weeks_ending(last_day, weeks)
    since = start_of(mondays[0])
    moments: dict[str, list[datetime]] = {kind.value: [] for kind in CatchKind}
    async with transaction(session):
        rows = await session.execute(
            select(GuardCatch.kind, GuardCatch.caught_at).where(GuardCatch.caught_at >= since)
        )
        for kind, caught_at in rows:
            if kind in moments:  # a kind this release does not know has no words to show
                moments[kind].append(caught_at)
    return GuardFigures(mondays, {kind: per_week(m, mondays) for kind, m in moments.items()})
