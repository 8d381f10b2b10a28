"""The weekly digest's claim: one row per week, written before the digest is sent."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UtcDateTime, utcnow


class WeeklyDigest(Base):
    __tablename__ = "insights_weekly_digests"

    week: Mapped[date] = mapped_column(Date, primary_key=True)  # the week's Monday
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
