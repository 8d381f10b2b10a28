"""Callback data of the broadcast buttons. It is only a request: handlers re-check the rights.

Three kinds: actions on a campaign from its progress message or the list (pause, resume, and
cancel, which only asks), the taps inside a button flow (send or discard a previewed draft;
stop or keep a campaign after "cancel" asked), which carry the flow's nonce
(bot/core/flows.py) so that a cancelled or superseded flow's buttons do nothing, and the
list's pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.callbacks import ID, START, callback_id, list_start

PREFIX = "bc:"
MODE_ALL = "all"
MODE_PER_LANGUAGE = "per"

CAMPAIGN_ACTIONS = ("pause", "resume", "cancel")
FLOW_ACTIONS = ("send", "drop", "stop", "keep")
# The flows those taps belong to.
SEND_FLOW = "broadcasts.send"
CANCEL_FLOW = "broadcasts.cancel"
_PATTERN = re.compile(
    rf"^bc:(?:(pause|resume|cancel):{ID}"
    rf"|(send|drop|stop|keep):{ID}:([0-9a-f]{{8}})"
    rf"|mode:(all|per)"
    rf"|page:{START})$"
)
PATTERN = r"^bc:"


@dataclass(frozen=True)
class Action:
    name: str  # send, drop, stop, keep, pause, resume, cancel, mode, or page
    campaign_id: int | None = None
    mode: str | None = None
    nonce: str | None = None
    start: int | None = None  # page: the position of the list's page


def campaign(name: str, campaign_id: int) -> str:
    assert name in CAMPAIGN_ACTIONS
    return f"{PREFIX}{name}:{campaign_id}"


def in_flow(name: str, campaign_id: int, nonce: str) -> str:
    assert name in FLOW_ACTIONS
    return f"{PREFIX}{name}:{campaign_id}:{nonce}"


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
    if match.group(6):
        return Action("mode", mode=match.group(6))
    if match.group(7):
        start = list_start(match.group(7))
        return Action("page", start=start) if start is not None else None
    if match.group(3):
        flow_campaign = callback_id(match.group(4))
        if flow_campaign is None:
            return None
        return Action(match.group(3), flow_campaign, nonce=match.group(5))
    campaign_id = callback_id(match.group(2))
    return Action(match.group(1), campaign_id) if campaign_id is not None else None
