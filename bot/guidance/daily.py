"""Daily counts for the ministry's charts: answered questions per topic, unanswered ones, and
guidance cards shared inline. One upsert a question, written with the update's record (see
bot/db/scope.py); no text and no person is recorded."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Literal, TypeAlias, cast

from sqlalchemy import Date, Executable, String, Table, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.base import utcnow
from bot.db.scope import write_after_update
from bot.db.transaction import transaction
from bot.guidance.models import DailyCount
from bot.ops.clock import kz_day

Kind: TypeAlias = Literal["answered", "unmatched", "shared"]
ANSWERED: Kind = "answered"
UNMATCHED: Kind = "unmatched"
SHARED: Kind = "shared"


def _upsert(dialect: str) -> Executable:
    """One counter's upsert, built once per dialect (it runs for every question)."""
    table = cast(Table, DailyCount.__table__)
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table).values(
        day=bindparam("day", type_=Date()),
        kind=bindparam("kind", type_=String()),
        topic=bindparam("topic", type_=String()),
        count=1,
    )
    return stmt.on_conflict_do_update(
        index_elements=[table.c.day, table.c.kind, table.c.topic],
        set_={"count": table.c.count + 1},
    )


_UPSERTS = {dialect: _upsert(dialect) for dialect in ("sqlite", "postgresql")}


async def count(
    session: AsyncSession, kind: Kind, topic: str = "", now: datetime | None = None
) -> None:
    day = kz_day(now or utcnow())
    stmt = _UPSERTS[session.get_bind().dialect.name]
    await write_after_update(session, stmt, {"day": day, "kind": kind, "topic": topic})


async def counts_since(session: AsyncSession, first_day: date) -> Sequence[DailyCount]:
    async with transaction(session):
        return (
            await session.scalars(
                select(DailyCount).where(DailyCount.day >= first_day).order_by(DailyCount.day)
            )
        ).all()
