"""Daily counts for the ministry's charts: answered questions per topic, unanswered ones, and
guidance cards shared inline. One upsert a question; no text and no person is recorded."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Literal, TypeAlias

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.base import utcnow
from bot.db.transaction import transaction
from bot.db.upsert import insert_for
from bot.guidance.models import DailyCount
from bot.ops.clock import kz_day

Kind: TypeAlias = Literal["answered", "unmatched", "shared"]
ANSWERED: Kind = "answered"
UNMATCHED: Kind = "unmatched"
SHARED: Kind = "shared"


async def count(
    session: AsyncSession, kind: Kind, topic: str = "", now: datetime | None = None
) -> None:
    day = kz_day(now or utcnow())
    stmt = insert_for(session, DailyCount).values(day=day, kind=kind, topic=topic, count=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[DailyCount.day, DailyCount.kind, DailyCount.topic],
        set_={"count": DailyCount.count + 1},
    )
    async with transaction(session):
        await session.execute(stmt)


async def counts_since(session: AsyncSession, first_day: date) -> Sequence[DailyCount]:
    async with transaction(session):
        return (
            await session.scalars(
                select(DailyCount).where(DailyCount.day >= first_day).order_by(DailyCount.day)
            )
        ).all()
