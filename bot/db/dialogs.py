"""Dialog state: the step a user is in the middle of, stored so any instance can continue it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.base import utcnow
from bot.db.models import DialogState
from bot.db.upsert import insert_for

# An expired step is remembered a while longer, so a late answer (perhaps a password) is
# recognised as belonging to it and not mistaken for a free-text question.
EXPIRED_GRACE = timedelta(hours=1)


@dataclass(frozen=True)
class Pending:
    step: str
    data: dict[str, Any] = field(default_factory=dict)
    expired: bool = False


async def get_step(session: AsyncSession, chat_id: int, user_id: int) -> Pending | None:
    now = utcnow()
    async with session.begin():
        row = await session.scalar(
            select(DialogState).where(
                DialogState.chat_id == chat_id, DialogState.user_id == user_id
            )
        )
        if row is None:
            return None
        if row.expires_at + EXPIRED_GRACE < now:
            await session.delete(row)
            return None
        return Pending(row.step, dict(row.data or {}), expired=row.expires_at < now)


async def set_step(
    session: AsyncSession,
    chat_id: int,
    user_id: int,
    step: str,
    *,
    ttl: timedelta,
    data: dict[str, Any] | None = None,
) -> None:
    values = {"step": step, "data": data or {}, "expires_at": utcnow() + ttl}
    stmt = insert_for(session, DialogState).values(chat_id=chat_id, user_id=user_id, **values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[DialogState.chat_id, DialogState.user_id], set_=values
    )
    async with session.begin():
        await session.execute(stmt)


async def clear_step(session: AsyncSession, chat_id: int, user_id: int) -> bool:
    """Forget the step; True when there was one that had not expired."""
    now = utcnow()
    async with session.begin():
        result = await session.execute(
            delete(DialogState)
            .where(DialogState.chat_id == chat_id, DialogState.user_id == user_id)
            .returning(DialogState.expires_at)
        )
        expires = result.scalar_one_or_none()
    return expires is not None and expires >= now


async def purge_expired(session: AsyncSession) -> int:
    async with session.begin():
        result = await session.execute(
            delete(DialogState).where(DialogState.expires_at < utcnow() - EXPIRED_GRACE)
        )
    return int(getattr(result, "rowcount", 0) or 0)
