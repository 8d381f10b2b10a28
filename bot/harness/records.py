"""What the fake Bot API remembers: users, chats, messages, and what happened when."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FakeAccount:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    phone: str | None = None
    blocked_bot: bool = False

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data


@dataclass
class ChatRecord:
    id: int
    type: str  # private | group | supergroup
    title: str | None = None
    members: dict[int, str] = field(default_factory=dict)  # user id → status
    bot_status: str = "member"  # member | administrator | kicked | left
    bot_can_delete: bool = False
    next_message_id: int = 1

    def to_api(self, accounts: dict[int, FakeAccount]) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private" and self.id in accounts:
            data["first_name"] = accounts[self.id].first_name
        if self.title:
            data["title"] = self.title
        return data


@dataclass
class MessageRecord:
    chat_id: int
    message_id: int
    from_bot: bool
    sender_id: int
    date: int
    text: str | None = None  # plain text, as a client shows it
    html: str | None = None  # what the bot sent, before parsing
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    document: dict[str, Any] | None = None
    photo: list[dict[str, Any]] | None = None  # PhotoSize objects, largest last
    media_group_id: str | None = None
    contact: dict[str, Any] | None = None
    caption: str | None = None
    reply_to: int | None = None  # the message id this one replies to
    deleted: bool = False
    edits: int = 0

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """Inline buttons, flattened in reading order."""
        if not self.reply_markup or "inline_keyboard" not in self.reply_markup:
            return []
        return [b for row in self.reply_markup["inline_keyboard"] for b in row]

    @property
    def keyboard(self) -> list[dict[str, Any]]:
        """Reply-keyboard buttons, flattened."""
        if not self.reply_markup or "keyboard" not in self.reply_markup:
            return []
        rows = self.reply_markup["keyboard"]
        return [b if isinstance(b, dict) else {"text": b} for row in rows for b in row]


@dataclass(frozen=True)
class Event:
    """One thing the bot did, in order: sent, edited, deleted, answered, ..."""

    kind: str
    chat_id: int | None
    message_id: int | None
    at: float = field(default_factory=time.monotonic)
    detail: str | None = None


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    content: bytes
    path: str
