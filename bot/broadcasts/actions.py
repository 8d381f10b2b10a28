"""Callback data of the broadcast buttons. It is only a request: handlers re-check the rights."""

from __future__ import annotations

import re
from dataclasses import dataclass

PREFIX = "bc:"
MODE_ALL = "all"
MODE_PER_LANGUAGE = "per"

# Actions on a campaign, then choices while composing.
CAMPAIGN_ACTIONS = ("send", "drop", "pause", "resume", "cancel")
_PATTERN = re.compile(r"^bc:(?:(send|drop|pause|resume|cancel):(\d{1,9})|mode:(all|per))$")
PATTERN = r"^bc:"


@dataclass(frozen=True)
class Action:
    name: str  # send, drop, pause, resume, cancel, or mode
    campaign_id: int | None = None
    mode: str | None = None


def campaign(name: str, campaign_id: int) -> str:
    assert name in CAMPAIGN_ACTIONS
    return f"{PREFIX}{name}:{campaign_id}"


def mode(choice: str) -> str:
    assert choice in (MODE_ALL, MODE_PER_LANGUAGE)
    return f"{PREFIX}mode:{choice}"


def parse(data: str | None) -> Action | None:
    match = _PATTERN.match(data or "")
    if match is None:
        return None
    if match.group(3):
        return Action("mode", mode=match.group(3))
    return Action(match.group(1), int(match.group(2)))
