"""Dialog state: the step a user is in the middle of, stored so any instance can continue it.

Within an update the state is read at most once: the pre-update step reads it with its other
statements (`load_step`), later reads are answered from the update's scope, and this update's
own changes keep that copy true. Nothing outlives the update: the next one reads the database
again (under the chat lock, so no other instance changes it meanwhile).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from bot.db.base import utcnow
from bot.db.models import DialogState
from bot.db.scope import scope_of
from bot.db.transaction import transaction
from bot.db.upsert import insert_for

# An expired step is remembered a while longer, so a late answer (perhaps a password) is
# recognised as belonging to it and not mistaken for a free-text question.
EXPIRED_GRACE = timedelta(hours=1)


@dataclass(frozen=True)
class Pending:
    step: str
    data: dict[str, Any] = field(default_factory=dict)
    expired: bool = False


_SELECT_STEP = select(DialogState.step, DialogState.data, DialogState.expires_at).where(
    DialogState.chat_id == bindparam("chat_id"), DialogState.user_id == bindparam("user_id")
)
_DELETE_STEP = (
    delete(DialogState)
    .where(DialogState.chat_id == bindparam("chat_id"), DialogState.user_id == bindparam("user_id"))
    .execution_options(synchronize_session=False)
)


async def get_step(session: AsyncSession, chat_id: int, user_id: int) -> Pending | None:
    scope = scope_of(session)
    if scope is not None and (chat_id, user_id) in scope.steps:
        pending: Pending | None = scope.steps[(chat_id, user_id)]
        return pending
    async with transaction(session):
        return await load_step(session, chat_id, user_id)


async def load_step(session: AsyncSession, chat_id: int, user_id: int) -> Pending | None:
    """Read the step within the caller's transaction (and keep it for the rest of the update)."""
    pending = await session.run_sync(_read_step, chat_id, user_id)
    remember(session, chat_id, user_id, pending)
    return pending


def _read_step(session: Session, chat_id: int, user_id: int) -> Pending | None:
    row = session.execute(_SELECT_STEP, {"chat_id": chat_id, "user_id": user_id}).first()
    if row is None:
        return None
    return settle_step(session, chat_id, user_id, row.step, row.data, row.expires_at)


def settle_step(
    session: Session,
    chat_id: int,
    user_id: int,
    step: str | None,
    data: dict[str, Any] | None,
    expires_at: datetime | None,
) -> Pending | None:
    """The step as read by the caller (step None: there is none), from SQLAlchemy's
    synchronous side; one long past its grace is deleted on the way, within the caller's
    transaction. The caller keeps it for the rest of the update with `remember`."""
    if step is None or expires_at is None:
        return None
    now = utcnow()
    if expires_at + EXPIRED_GRACE < now:
        session.execute(_DELETE_STEP, {"chat_id": chat_id, "user_id": user_id})
        return None
    return Pending(step, dict(data or {}), expired=expires_at < now)


def remember(session: AsyncSession, chat_id: int, user_id: int, pending: Pending | None) -> None:
    """Keep the step as this update now knows it, for the rest of the update."""
    scope = scope_of(session)
    if scope is not None:
        scope.steps[(chat_id, user_id)] = pending


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
    remember(session, chat_id, user_id, Pending(step, dict(data or {})))


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
    remember(session, chat_id, user_id, None)
    return expires is not None and expires >= now


async def purge_expired(session: AsyncSession) -> int:
    async with session.begin():
        result = await session.execute(
            delete(DialogState).where(DialogState.expires_at < utcnow() - EXPIRED_GRACE)
        )
    return int(getattr(result, "rowcount", 0) or 0)
