"""The operator's draft while composing: which texts are in, which one is asked for next.

Kept in the dialog state, so a restart or another instance continues the same draft.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcasts.actions import MODE_ALL, MODE_PER_LANGUAGE
from bot.db import dialogs
from bot.i18n import LANGS

STEP = "broadcasts.compose"
TTL = timedelta(minutes=30)
ALL = "all"


@dataclass(frozen=True)
class Draft:
    mode: str
    texts: dict[str, str] = field(default_factory=dict)

    @property
    def awaiting(self) -> str | None:
        """The language whose text comes next ("all" for one text for everyone), or None."""
        wanted = [ALL] if self.mode == MODE_ALL else list(LANGS)
        return next((key for key in wanted if key not in self.texts), None)

    def to_data(self) -> dict[str, Any]:
        return {"mode": self.mode, "texts": dict(self.texts)}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Draft | None:
        mode, texts = data.get("mode"), data.get("texts")
        if mode not in (MODE_ALL, MODE_PER_LANGUAGE) or not isinstance(texts, dict):
            return None
        return cls(mode, {str(k): str(v) for k, v in texts.items()})


async def begin(session: AsyncSession, chat_id: int, user_id: int, mode: str) -> Draft:
    draft = Draft(mode)
    await dialogs.set_step(session, chat_id, user_id, STEP, ttl=TTL, data=draft.to_data())
    return draft


async def add_text(
    session: AsyncSession, chat_id: int, user_id: int, draft: Draft, text: str
) -> Draft:
    """Store the text asked for; the step ends when the last one is in."""
    key = draft.awaiting
    assert key is not None
    updated = Draft(draft.mode, {**draft.texts, key: text})
    if updated.awaiting is None:
        await dialogs.clear_step(session, chat_id, user_id)
    else:
        await dialogs.set_step(session, chat_id, user_id, STEP, ttl=TTL, data=updated.to_data())
    return updated


async def abandon(session: AsyncSession, chat_id: int, user_id: int) -> None:
    await dialogs.clear_step(session, chat_id, user_id)
