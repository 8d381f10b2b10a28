"""Who the bot has seen, and the language each person chose."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.base import utcnow
from bot.db.models import Chat, User
from bot.db.transaction import transaction
from bot.db.upsert import insert_for
from bot.i18n import Lang, as_lang


async def touch(
    session: AsyncSession,
    *,
    user_id: int | None,
    chat_id: int | None,
    chat_type: str | None,
    language_code: str | None = None,
) -> Lang | None:
    """Record that a user (and chat) was seen; return the language they chose, if any."""
    now = utcnow()
    chosen: Lang | None = None
    code = (language_code or "")[:8] or None
    async with transaction(session):
        if user_id is not None:
            stmt = insert_for(session, User).values(
                id=user_id, first_seen=now, last_seen=now, telegram_language=code
            )
            stmt = stmt.on_conflict_do_update(
                index_elements=[User.id], set_={"last_seen": now, "telegram_language": code}
            )
            chosen = as_lang(
                (await session.execute(stmt.returning(User.language))).scalar_one_or_none()
            )
        if chat_id is not None and chat_type is not None:
            cstmt = insert_for(session, Chat).values(
                id=chat_id, type=chat_type, first_seen=now, last_seen=now
            )
            cstmt = cstmt.on_conflict_do_update(index_elements=[Chat.id], set_={"last_seen": now})
            await session.execute(cstmt)
    return chosen


async def set_language(session: AsyncSession, user_id: int, lang: Lang) -> None:
    async with session.begin():
        await session.execute(update(User).where(User.id == user_id).values(language=lang))
