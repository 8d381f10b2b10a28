"""Operations tables: updates already handled (de-duplication) and per-user flood state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer
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
