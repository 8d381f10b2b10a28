"""Button flows in the database: which flow a user is in, and the nonce its buttons carry.

One flow per user and chat: starting a flow supersedes the previous one, /cancel ends it, and
a button that carries any other nonce (or an expired one) is out of date. Telegram-free; the
handlers' side is bot/core/flows.py.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.base import utcnow
from bot.db.models import ButtonFlow
from bot.db.upsert import insert_for

NONCE_BYTES = 4
# In callback data patterns: the nonce is always the last part.
NONCE_PATTERN = r"([0-9a-f]{8})"
DEFAULT_TTL = timedelta(minutes=30)


def new_nonce() -> str:
    return secrets.token_hex(NONCE_BYTES)


async def begin(
    session: AsyncSession,
    chat_id: int,
    user_id: int,
    name: str,
    *,
    ttl: timedelta = DEFAULT_TTL,
) -> str:
    """Start a flow (superseding any other of this user in this chat); return its nonce."""
    nonce = new_nonce()
    values = {"name": name, "nonce": nonce, "expires_at": utcnow() + ttl}
    stmt = insert_for(session, ButtonFlow).values(chat_id=chat_id, user_id=user_id, **values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[ButtonFlow.chat_id, ButtonFlow.user_id], set_=values
    )
    async with session.begin():
        await session.execute(stmt)
    return nonce


async def is_current(
    session: AsyncSession, chat_id: int, user_id: int, name: str, nonce: str
) -> bool:
    """True when the user is in this flow, with this nonce, and it has not expired."""
    async with session.begin():
        row = await session.scalar(
            select(ButtonFlow).where(ButtonFlow.chat_id == chat_id, ButtonFlow.user_id == user_id)
        )
    return (
        row is not None
        and row.name == name
        and secrets.compare_digest(row.nonce, nonce)
        and row.expires_at >= utcnow()
    )


async def finish(session: AsyncSession, chat_id: int, user_id: int, nonce: str) -> bool:
    """End the flow with this nonce (a newer one is left alone); True when it was there."""
    async with session.begin():
        result = await session.execute(
            delete(ButtonFlow)
            .where(
                ButtonFlow.chat_id == chat_id,
                ButtonFlow.user_id == user_id,
                ButtonFlow.nonce == nonce,
            )
            .returning(ButtonFlow.nonce)
        )
        return result.scalar_one_or_none() is not None


async def cancel(session: AsyncSession, chat_id: int, user_id: int) -> bool:
    """End whatever flow the user is in (/cancel); True when one was still running."""
    now = utcnow()
    async with session.begin():
        result = await session.execute(
            delete(ButtonFlow)
            .where(ButtonFlow.chat_id == chat_id, ButtonFlow.user_id == user_id)
            .returning(ButtonFlow.expires_at)
        )
        expires = result.scalar_one_or_none()
    return expires is not None and expires >= now


async def purge_expired(session: AsyncSession) -> int:
    async with session.begin():
        result = await session.execute(delete(ButtonFlow).where(ButtonFlow.expires_at < utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)
