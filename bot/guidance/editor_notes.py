"""Votes and unmatched questions, kept for the content editors."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.credentials import holds_password
from bot.db.base import utcnow
from bot.db.scope import write_after_update
from bot.db.upsert import insert_for
from bot.guidance.models import AnswerVote, UnmatchedQuestion
from bot.guidance.scrub import scrub_question

MAX_STORED_CHARS = 500


async def vote(
    session: AsyncSession, *, chat_id: int, message_id: int, topic: str, lang: str, helpful: bool
) -> None:
    now = utcnow()
    stmt = insert_for(session, AnswerVote).values(
        chat_id=chat_id, message_id=message_id, topic=topic, lang=lang, helpful=helpful, at=now
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[AnswerVote.chat_id, AnswerVote.message_id],
        set_={"helpful": helpful, "at": now},
    )
    async with session.begin():
        await session.execute(stmt)


def _key(text: str) -> str:
    """The stored form: digit runs and secret-looking words masked (they may be IINs, phones,
    passwords), one case, single spaces, so the same question asked twice is counted, not
    stored twice."""
    return " ".join(scrub_question(text).lower().split())[:MAX_STORED_CHARS]


async def remember_unmatched(session: AsyncSession, text: str, lang: str | None) -> None:
    """Keep a question no topic answered, scrubbed; one that holds a password is not kept."""
    if holds_password(text):
        return
    key = _key(text)
    if not key:
        return
    now = utcnow()
    stmt = insert_for(session, UnmatchedQuestion).values(
        text=key, lang=lang, count=1, first_seen=now, last_seen=now
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[UnmatchedQuestion.text],
        set_={"count": UnmatchedQuestion.count + 1, "last_seen": now},
    )
    # Written with the update's record: nothing in the update reads it back.
    await write_after_update(session, stmt)


async def most_frequent_unmatched(
    session: AsyncSession, limit: int = 50
) -> Sequence[UnmatchedQuestion]:
    async with session.begin():
        return (
            await session.scalars(
                select(UnmatchedQuestion)
                .order_by(UnmatchedQuestion.count.desc(), UnmatchedQuestion.last_seen.desc())
                .limit(limit)
            )
        ).all()
