"""Callback data of the broadcast buttons. It is only a request: handlers re-check the rights.

Two kinds: actions on a campaign from its progress message or the list (pause, resume, and
cancel, which only asks), and the taps inside a button flow (send or discard a previewed
draft; stop or keep a campaign after "cancel" asked), which carry the flow's nonce
(bot/core/flows.py) so that a cancelled or superseded flow's buttons do nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PREFIX = "bc:"
MODE_ALL = "all"
MODE_PER_LANGUAGE = "per"

CAMPAIGN_ACTIONS = ("pause", "resume", "cancel")
FLOW_ACTIONS = ("send", "drop", "stop", "keep")
# The flows those taps belong to.
SEND_FLOW = "broadcasts.send"
CANCEL_FLOW = "broadcasts.cancel"
_PATTERN = re.compile(
    r"^bc:(?:(pause|resume|cancel):(\d{1,9})"
    r"|(send|drop|stop|keep):(\d{1,9}):([0-9a-f]{8})"
    r"|mode:(all|per))$"
)
PATTERN = r"^bc:"


@dataclass(frozen=True)
class Action:
    name: str  # send, drop, stop, keep, pause, resume, cancel, or mode
    campaign_id: int | None = None
    mode: str | None = None
    nonce: str | None = None


def campaign(name: str, campaign_id: int) -> str:
    assert name in CAMPAIGN_ACTIONS
    return f"{PREFIX}{name}:{campaign_id}"


def in_flow(name: str, campaign_id: int, nonce: str) -> str:
    assert name in FLOW_ACTIONS
    return f"{PREFIX}{name}:{campaign_id}:{nonce}"


def mode(choice: str) -> str:
    assert choice in (MODE_ALL, MODE_PER_LANGUAGE)
    return f"{PREFIX}mode:{choice}"


def parse(data: str | None) -> Action | None:
    match = _PATTERN.match(data or "")
    if match is None:
        return None
    if match.group(6):
        return Action("mode", mode=match.group(6))
    if match.group(3):
        return Action(match.group(3), int(match.group(4)), nonce=match.group(5))
    return Action(match.group(1), int(match.group(2)))
