"""Operations tables: updates already handled (de-duplication) and per-user flood state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UtcDateTime


class ProcessedUpdate(Base):
    """An update_id some instance handled; Telegram redelivers webhooks it saw no answer to."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # Rows older than a day are purged: Telegram gives up on an update after 24 hours.
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class FloodState(Base):
    """One user's count in the current one-minute window, and the end of their cool-down."""

    __tablename__ = "flood_states"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    window_start: Mapped[datetime] = mapped_column(UtcDateTime)
    hits: Mapped[int] = mapped_column(Integer)
    muted_until: Mapped[datetime | None] = mapped_column(UtcDateTime)


class SendBudget(Base):
    """The send budget of one bot token shared by its instances (bot/ops/budget.py): the next
    send slot nobody has taken, and how many the latest lease took."""

    __tablename__ = "send_budget"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_slot: Mapped[int] = mapped_column(BigInteger)
    granted: Mapped[int] = mapped_column(Integer)


class SendGroupBudget(Base):
    """One group's allowance of messages (20 a minute), shared by the instances."""

    __tablename__ = "send_group_budget"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    tokens: Mapped[float] = mapped_column(Float)
    stamp: Mapped[float] = mapped_column(Float)  # seconds since the epoch, database clock
    taken: Mapped[bool] = mapped_column(Boolean)


class OutgoingMessage(Base):
    """A message a command outside the bot process (the CLI) leaves for the running bot to send
    through its send budget (bot/ops/outbox.py)."""

    __tablename__ = "outgoing_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Pending rows have no sent_at; due_at is when to try (later after a transient failure).
    due_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Why it was given up (the person blocked the bot, a bad request), else None.
    failed: Mapped[str | None] = mapped_column(String(200))
