"""Callback data of the /status buttons, written and read here only: the menu's "my keys" and
the list's pages. A page button is a request: the list is read again for the presser's own
verified phone, never for anything the data says."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.callbacks import START, list_start

STATUS = "sig:status"  # the main menu's "my signatures", and where /revoke sends the unproved
_PAGE = "sig:page:"

PATTERNS: dict[str, str] = {
    "status": rf"^{re.escape(STATUS)}$",
    "page": rf"^{re.escape(_PAGE)}(?P<start>{START})$",
}
_COMPILED = {name: re.compile(pattern) for name, pattern in PATTERNS.items()}


@dataclass(frozen=True)
class Action:
    name: str  # a key of PATTERNS
    start: int = 0  # page: the position of the list's first item shown


def page(start: int) -> str:
    return f"{_PAGE}{start}"


def parse(data: str | None) -> Action | None:
    """The action, or None for data no button of ours carries."""
    for name, pattern in _COMPILED.items():
        match = pattern.match(data or "")
        if match is None:
            continue
        text = match.groupdict().get("start")
        start = list_start(text) if text is not None else 0
        return Action(name, start) if start is not None else None
    return None
