"""Subscribers, campaigns and the outbox: one delivery row per recipient of a campaign."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UtcDateTime, utcnow

# SQLite gives autoincrement only to INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key.
DeliveryId = BigInteger().with_variant(Integer(), "sqlite")


class SubscriberStatus:
    ACTIVE = "active"
    UNSUBSCRIBED = "unsubscribed"  # the chat asked to stop; only /subscribe brings it back
    BLOCKED = "blocked"  # a private chat that blocked the bot; back when it unblocks
    LEFT = "left"  # a group that removed the bot, or a chat that is gone


class CampaignState:
    DRAFT = "draft"  # composed, waiting for the operator's confirmation
    RUNNING = "running"
    PAUSED = "paused"
    DONE = "done"
    CANCELLED = "cancelled"

    FINAL = frozenset({DONE, CANCELLED})


class DeliveryState:
    PENDING = "pending"
    SENDING = "sending"  # claimed by the dispatcher; back to pending if it dies
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"
    LEFT = "left"
    CANCELLED = "cancelled"

    OUTCOMES = (SENT, FAILED, BLOCKED, LEFT)


class Subscriber(Base):
    """A chat that gets ministry warnings (a person's private chat, or a group)."""

    __tablename__ = "broadcast_subscribers"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_type: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    # The language at subscription; a language the person chose later with /language wins.
    language: Mapped[str] = mapped_column(String(2))
    subscribed_by: Mapped[int | None] = mapped_column(BigInteger)
    subscribed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Campaign(Base):
    __tablename__ = "broadcast_campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    # Language → Telegram HTML, one entry for each of kk, ru, en.
    texts: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    total: Mapped[int] = mapped_column(Integer, default=0)
    # Where progress is shown and the final report goes (the operator's chat), in their language.
    report_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    report_lang: Mapped[str] = mapped_column(String(2), default="en")
    progress_message_id: Mapped[int | None] = mapped_column(Integer)
    reported_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Delivery(Base):
    """The outbox: one row per recipient, claimed in batches and settled one by one."""

    __tablename__ = "broadcast_deliveries"
    __table_args__ = (
        UniqueConstraint("campaign_id", "chat_id"),
        Index("ix_broadcast_deliveries_campaign_state", "campaign_id", "state", "id"),
    )

    id: Mapped[int] = mapped_column(DeliveryId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("broadcast_campaigns.id", ondelete="CASCADE")
    )
    chat_id: Mapped[int] = mapped_column(BigInteger)
    lang: Mapped[str] = mapped_column(String(2))
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    # A retried delivery waits for its backoff; None means "as soon as possible".
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Telegram's error description (never message text), for the operator's diagnosis.
    error: Mapped[str | None] = mapped_column(String(200))


class SubscriberCount(Base):
    """Active subscribers on a Kazakhstan calendar day: a count, taken by the leader's hourly
    job, so the charts can show the audience over time without keeping anyone's history."""

    __tablename__ = "broadcast_subscriber_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    active: Mapped[int] = mapped_column(Integer)
