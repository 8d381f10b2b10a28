"""What the terminal chat's simulated Telegram remembers between runs.

The bot keeps its own state in the database; the fake Telegram is in memory. So that a person
who quits and comes back finds the same demo, this file (BOT_DATA_DIR/terminal-chat.json)
keeps Telegram's side: where update and message numbering stands (the bot remembers update
and message ids it has seen), the accounts with their names, languages and phones, who the
person was last, and whether the bot already joined the demo work chat.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

STATE_FILE = "terminal-chat.json"
VERSION = 1


@dataclass
class SavedAccount:
    first_name: str
    language_code: str | None
    phone: str | None


@dataclass
class ChatState:
    next_update_id: int = 1
    user_id: int | None = None
    in_group: bool = False
    group_joined: bool = False
    accounts: dict[int, SavedAccount] = field(default_factory=dict)
    next_message_ids: dict[int, int] = field(default_factory=dict)

    @property
    def is_new(self) -> bool:
        return self.user_id is None


def load_state(path: Path) -> ChatState:
    """The saved state; a fresh one when there is none or it cannot be read (never a crash)."""
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != VERSION:
            return ChatState()
        return ChatState(
            next_update_id=int(data["next_update_id"]),
            user_id=int(data["user_id"]) if data.get("user_id") is not None else None,
            in_group=bool(data.get("in_group", False)),
            group_joined=bool(data.get("group_joined", False)),
            accounts={
                int(key): SavedAccount(
                    str(value["first_name"]), value.get("language_code"), value.get("phone")
                )
                for key, value in data.get("accounts", {}).items()
            },
            next_message_ids={
                int(key): int(value) for key, value in data.get("next_message_ids", {}).items()
            },
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return ChatState()


def save_state(path: Path, state: ChatState) -> None:
    """Write atomically: a crash mid-write leaves the previous state, not half a file."""
    data = {"version": VERSION, **asdict(state)}
    temporary = path.with_suffix(".tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(temporary, path)
