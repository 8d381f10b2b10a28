"""Who the bot has seen, and the language each person chose."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import BigInteger, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from bot.db import dialogs
from bot.db.base import utcnow
from bot.db.dialogs import Pending
from bot.db.models import Chat, DialogState, User
from bot.db.upsert import insert_for
from bot.i18n import Lang, as_lang

# `last_seen` is kept to this precision: an update from someone seen more recently, in the same
# app language, writes nothing (reading is cheaper than writing, and on SQLite every write
# queues for the one write lock).
SEEN_PRECISION = timedelta(hours=1)

_users, _chats, _steps = User.__table__, Chat.__table__, DialogState.__table__
_key = select(
    bindparam("user_id", type_=BigInteger).label("user_id"),
    bindparam("chat_id", type_=BigInteger).label("chat_id"),
).subquery("seen")
# Everything the pre-update step needs to know, in one statement: the user (their chosen
# language, and whether their row is up to date), the chat, and the pending step.
_SEEN = select(
    _users.c.id.label("known_user"),
    _users.c.language,
    _users.c.telegram_language,
    _users.c.last_seen.label("user_seen"),
    _chats.c.id.label("known_chat"),
    _chats.c.last_seen.label("chat_seen"),
    _steps.c.step,
    _steps.c.data,
    _steps.c.expires_at,
).select_from(
    _key.outerjoin(_users, _users.c.id == _key.c.user_id)
    .outerjoin(_chats, _chats.c.id == _key.c.chat_id)
    .outerjoin(_steps, (_steps.c.chat_id == _key.c.chat_id) & (_steps.c.user_id == _key.c.user_id))
)


@dataclass(frozen=True)
class Seen:
    """What `record_seen` found: the user's chosen language and, when read, the step."""

    language: Lang | None
    step: tuple[int, int, Pending | None] | None = None  # chat, user, the step; None: not read

    def remember(self, session: AsyncSession) -> None:
        """Keep the step for the rest of the update (bot.db.dialogs)."""
        if self.step is not None:
            chat_id, user_id, pending = self.step
            dialogs.remember(session, chat_id, user_id, pending)


def record_seen(
    session: Session,
    *,
    user_id: int | None,
    chat_id: int | None,
    chat_type: str | None,
    language_code: str | None = None,
    with_step: bool = False,
) -> Seen:
    """Record that a user (and chat) was seen, and read the language they chose: in the
    caller's transaction, from SQLAlchemy's synchronous side (the pre-update step runs all of
    its statements in one go: bot/db/transaction.py).

    With `with_step` (a user in a chat) the pending step is read in the same statement; the
    caller keeps it for the rest of the update with `Seen.remember` (bot.db.dialogs). Rows are
    written only when they are missing, out of date by SEEN_PRECISION, or the user's app
    language changed.
    """
    now = utcnow()
    code = (language_code or "")[:8] or None
    row = session.execute(_SEEN, {"user_id": user_id, "chat_id": chat_id}).one()
    if user_id is not None and (
        row.known_user is None
        or row.telegram_language != code
        or row.user_seen < now - SEEN_PRECISION
    ):
        stmt = insert_for(session, User).values(
            id=user_id, first_seen=now, last_seen=now, telegram_language=code
        )
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=[User.id], set_={"last_seen": now, "telegram_language": code}
            )
        )
    if (
        chat_id is not None
        and chat_type is not None
        and (row.known_chat is None or row.chat_seen < now - SEEN_PRECISION)
    ):
        cstmt = insert_for(session, Chat).values(
            id=chat_id, type=chat_type, first_seen=now, last_seen=now
        )
        cstmt = cstmt.on_conflict_do_update(index_elements=[Chat.id], set_={"last_seen": now})
        session.execute(cstmt)
    step = None
    if with_step and user_id is not None and chat_id is not None:
        pending = dialogs.settle_step(session, chat_id, user_id, row.step, row.data, row.expires_at)
        step = (chat_id, user_id, pending)
    return Seen(as_lang(row.language), step)


async def set_language(session: AsyncSession, user_id: int, lang: Lang) -> None:
    async with session.begin():
        await session.execute(update(User).where(User.id == user_id).values(language=lang))
