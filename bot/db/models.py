"""Tables every feature shares: the people and chats the bot knows, and their pending steps."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UtcDateTime, utcnow


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # Only a language the user chose with /language; otherwise Telegram's language_code decides.
    language: Mapped[str | None] = mapped_column(String(2))
    # Telegram's language_code at the last update: the language for reminders and warnings
    # when the user never chose one.
    telegram_language: Mapped[str | None] = mapped_column(String(8))
    first_seen: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    @property
    def effective_language(self) -> str:
        from bot.i18n import language_from_code

        return self.language or language_from_code(self.telegram_language)


class Chat(Base):
    __tablename__ = "chats"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(2))
    first_seen: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class DialogState(Base):
    """What a user is in the middle of in one chat; kept here so any instance can continue it."""

    __tablename__ = "dialog_states"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    step: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class ButtonFlow(Base):
    """The button flow a user is in the middle of in one chat (pick, reason, confirm…).

    Apart from DialogState on purpose: a flow of buttons must not push aside a step that waits
    for text (a password typed after a revocation tap must still reach the password check).
    The nonce is in every button of the flow; a button whose nonce is not this one is out of date.
    """

    __tablename__ = "button_flows"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
