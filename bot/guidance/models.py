"""What the ministry's content editors learn from: votes on answers, unanswered questions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UtcDateTime, utcnow


class AnswerVote(Base):
    """One vote per answer message: pressing again changes the vote instead of adding one."""

    __tablename__ = "guidance_votes"
    __table_args__ = (UniqueConstraint("chat_id", "message_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    topic: Mapped[str] = mapped_column(String(64), index=True)
    lang: Mapped[str] = mapped_column(String(2))
    helpful: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class UnmatchedQuestion(Base):
    """A question no topic answered, with digit runs (IINs, phones, passwords) removed."""

    __tablename__ = "guidance_unmatched"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(String(500), unique=True)
    lang: Mapped[str | None] = mapped_column(String(2))
    count: Mapped[int] = mapped_column(Integer, default=1)
    first_seen: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)


class DailyCount(Base):
    """How many questions a topic answered (or none did) on one Kazakhstan calendar day, and
    how many of its cards were shared inline. Counts only: no question text, no person."""

    __tablename__ = "guidance_daily_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    # The topic id; "" for a question no topic answered.
    topic: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
