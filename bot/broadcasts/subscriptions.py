"""Who gets warnings: subscribe, unsubscribe, and chats that blocked the bot or left."""

from __future__ import annotations

import enum

from sqlalchemy import ColumnElement, Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcasts.models import Subscriber, SubscriberStatus
from bot.db.base import utcnow
from bot.db.models import Chat, User
from bot.db.upsert import insert_for
from bot.i18n import DEFAULT_LANG, LANGS, Lang, as_lang


class Change(enum.Enum):
    DONE = "done"
    ALREADY = "already"


async def status_of(session: AsyncSession, chat_id: int) -> str | None:
    async with session.begin():
        return await session.scalar(select(Subscriber.status).where(Subscriber.chat_id == chat_id))


async def subscribe(
    session: AsyncSession,
    *,
    chat_id: int,
    chat_type: str,
    lang: Lang,
    by_user: int | None,
) -> Change:
    """Subscribe a chat, or bring it back (after an opt-out, a block, a removal).

    The language is refreshed on every call: it is the language the chat last subscribed in.
    """
    now = utcnow()
    async with session.begin():
        current = await session.scalar(
            select(Subscriber.status).where(Subscriber.chat_id == chat_id)
        )
        values: dict[str, object] = {
            "chat_type": chat_type,
            "status": SubscriberStatus.ACTIVE,
            "language": lang,
            "updated_at": now,
        }
        if current != SubscriberStatus.ACTIVE:
            values.update(subscribed_at=now, subscribed_by=by_user)
        stmt = insert_for(session, Subscriber).values(
            {"chat_id": chat_id, "subscribed_at": now, "subscribed_by": by_user, **values}
        )
        await session.execute(
            stmt.on_conflict_do_update(index_elements=[Subscriber.chat_id], set_=values)
        )
    return Change.ALREADY if current == SubscriberStatus.ACTIVE else Change.DONE


async def unsubscribe(session: AsyncSession, chat_id: int) -> Change:
    async with session.begin():
        result = await session.execute(
            update(Subscriber)
            .where(
                Subscriber.chat_id == chat_id,
                Subscriber.status != SubscriberStatus.UNSUBSCRIBED,
            )
            .values(status=SubscriberStatus.UNSUBSCRIBED, updated_at=utcnow())
        )
    return Change.DONE if _rowcount(result) else Change.ALREADY


async def mark_unreachable(session: AsyncSession, chat_id: int, status: str) -> None:
    """The chat blocked the bot (private) or the bot is no longer in it (group)."""
    assert status in (SubscriberStatus.BLOCKED, SubscriberStatus.LEFT)
    async with session.begin():
        await session.execute(
            update(Subscriber)
            .where(Subscriber.chat_id == chat_id, Subscriber.status == SubscriberStatus.ACTIVE)
            .values(status=status, updated_at=utcnow())
        )


async def mark_returned(session: AsyncSession, chat_id: int) -> bool:
    """The chat unblocked the bot or re-added it: warnings resume, unless it had opted out."""
    async with session.begin():
        result = await session.execute(
            update(Subscriber)
            .where(
                Subscriber.chat_id == chat_id,
                Subscriber.status.in_([SubscriberStatus.BLOCKED, SubscriberStatus.LEFT]),
            )
            .values(status=SubscriberStatus.ACTIVE, updated_at=utcnow())
        )
    return bool(_rowcount(result))


def effective_language() -> ColumnElement[str]:
    """A language the person chose with /language wins over the one recorded at subscription."""
    return func.coalesce(User.language, Chat.language, Subscriber.language)


def active_recipients() -> Select[int, str]:
    """SELECT chat_id, language FROM the active subscribers (used to fill the outbox)."""
    return (
        select(Subscriber.chat_id, effective_language().label("lang"))
        .select_from(Subscriber)
        .outerjoin(User, User.id == Subscriber.chat_id)
        .outerjoin(Chat, Chat.id == Subscriber.chat_id)
        .where(Subscriber.status == SubscriberStatus.ACTIVE)
    )


async def count_by_language(session: AsyncSession) -> dict[Lang, int]:
    recipients = active_recipients().subquery()
    async with session.begin():
        rows = (
            await session.execute(
                select(recipients.c.lang, func.count()).group_by(recipients.c.lang)
            )
        ).all()
    counts: dict[Lang, int] = dict.fromkeys(LANGS, 0)
    for lang, count in rows:
        counts[as_lang(lang) or DEFAULT_LANG] += int(count)
    return counts


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
