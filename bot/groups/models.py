"""The work-chat guard's tables: each group's switch, what was caught, who was warned lately."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UtcDateTime, utcnow


class GroupGuard(Base):
    """A group the guard knows. No row means the defaults: guard on, language unknown."""

    __tablename__ = "group_guards"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # The language of whoever added the bot: the group's best guess, for its warnings.
    language: Mapped[str | None] = mapped_column(String(2))
    changed_by: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class GuardCatch(Base):
    """One message the guard caught. No sender and no content: only what /stats counts."""

    __tablename__ = "group_catches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    deleted: Mapped[bool] = mapped_column(Boolean)
    warned: Mapped[bool] = mapped_column(Boolean)
    caught_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)


class WarningCooldown(Base):
    """The last warning naming a sender in a group, so one person is not named over and over.

    Rows older than the cooldown are deleted when the group's next catch is recorded.
    """

    __tablename__ = "group_warning_cooldowns"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    sender_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    warned_at: Mapped[datetime] = mapped_column(UtcDateTime)
