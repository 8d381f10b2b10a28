"""Callback data of the broadcast buttons. It is only a request: handlers re-check the rights."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.callbacks import ID, START, callback_id, list_start

PREFIX = "bc:"
MODE_ALL = "all"
MODE_PER_LANGUAGE = "per"

# Actions on a campaign, then choices while composing.
CAMPAIGN_ACTIONS = ("send", "drop", "pause", "resume", "cancel")
_PATTERN = re.compile(rf"^bc:(?:(send|drop|pause|resume|cancel):{ID}|mode:(all|per)|page:{START})$")
PATTERN = r"^bc:"


@dataclass(frozen=True)
class Action:
    name: str  # send, drop, pause, resume, cancel, mode, or page
    campaign_id: int | None = None
    mode: str | None = None
    start: int | None = None  # page: the position of the list's page


def campaign(name: str, campaign_id: int) -> str:
    assert name in CAMPAIGN_ACTIONS
    return f"{PREFIX}{name}:{campaign_id}"


def mode(choice: str) -> str:
    assert choice in (MODE_ALL, MODE_PER_LANGUAGE)
    return f"{PREFIX}mode:{choice}"


def page(start: int) -> str:
    return f"{PREFIX}page:{start}"


def parse(data: str | None) -> Action | None:
    """The action, or None for data no button of ours carries (numbers out of range too)."""
    match = _PATTERN.match(data or "")
    if match is None:
        return None
    if match.group(3):
        return Action("mode", mode=match.group(3))
    if match.group(4):
        start = list_start(match.group(4))
        return Action("page", start=start) if start is not None else None
    campaign_id = callback_id(match.group(2))
    return Action(match.group(1), campaign_id) if campaign_id is not None else None
