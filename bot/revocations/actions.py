"""Callback data of the revocation buttons, written and read here only. It is a request, never
a fact: handlers re-check who may do what to which row.

Three families: a citizen's request (`rv:`), a head of organisation's list and departures
(`org:`), an operator's queue and decisions (`rq:`). The taps inside a button flow (a reason,
the confirmation, a departure, an approval) carry the flow's nonce last (bot/core/flows.py),
so a cancelled or superseded flow's buttons do nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core import flows
from bot.core.callbacks import ID, START, callback_id, list_start
from bot.revocations.service import CITIZEN_REASONS

# Button flows: a citizen's request, a departure, an approval.
CITIZEN_FLOW = "revocations.citizen"
DEPARTURE_FLOW = "revocations.departure"
APPROVE_FLOW = "revocations.approve"

MENU = "rv:menu"  # the main menu's "request revocation"
PICK = "rv:pick"  # and a certificate id: "request revocation of this one"
ORG_MENU = "org:menu"  # the departed-employees topic's "my organisation"

_ID = rf"(?P<id>{ID})"
_START = rf"(?P<start>{START})"
_BIN = r"(?P<bin>\d{12})"
_REASON = "(?P<reason>" + "|".join(CITIZEN_REASONS) + ")"
_NONCE = flows.NONCE

# The handler patterns, by action name: each button's data matches exactly one.
PATTERNS: dict[str, str] = {
    "pick": rf"^{PICK}:{_ID}$",
    "why": rf"^rv:why:{_ID}:{_REASON}:{_NONCE}$",
    "ok": rf"^rv:ok:{_ID}:{_REASON}:{_NONCE}$",
    "no": rf"^rv:no:{_NONCE}$",
    "menu": rf"^{MENU}$",
    "org_menu": rf"^{ORG_MENU}$",
    "org_page": rf"^org:page:{_BIN}:{_START}$",
    "org_left": rf"^org:left:{_BIN}(?::{_START})?$",
    "employee": rf"^org:emp:{_ID}:{_NONCE}$",
    "departure": rf"^org:gone:{_ID}:{_NONCE}$",
    "queue_page": rf"^rq:page:{_START}$",
    "approve": rf"^rq:ok:{_ID}$",
    "approve_confirmed": rf"^rq:yes:{_ID}:{_NONCE}$",
    "approve_dropped": rf"^rq:back:{_ID}:{_NONCE}$",
    "reject": rf"^rq:no:{_ID}$",
}
_COMPILED = {name: re.compile(pattern) for name, pattern in PATTERNS.items()}


@dataclass(frozen=True)
class Action:
    name: str  # a key of PATTERNS
    id: int | None = None  # a certificate (rv:, org:) or a request (rq:)
    reason: str | None = None
    org_bin: str | None = None
    start: int = 0  # a list page's first position
    nonce: str | None = None


# ---- writing ---------------------------------------------------------------------------------


def pick(certificate_id: int) -> str:
    """The first tap of a citizen's request (also the status list's "revoke" button)."""
    return f"{PICK}:{certificate_id}"


def reason(certificate_id: int, why: str, nonce: str) -> str:
    assert why in CITIZEN_REASONS
    return flows.button_data("rv:why", certificate_id, why, nonce=nonce)


def confirm(certificate_id: int, why: str, nonce: str) -> str:
    assert why in CITIZEN_REASONS
    return flows.button_data("rv:ok", certificate_id, why, nonce=nonce)


def cancel(nonce: str) -> str:
    return flows.button_data("rv:no", nonce=nonce)


def org_page(org_bin: str, start: int) -> str:
    return f"org:page:{org_bin}:{start}"


def org_left(org_bin: str, start: int | None = None) -> str:
    """ "An employee left": the list of employees to pick from (from its first page)."""
    return f"org:left:{org_bin}" if start is None else f"org:left:{org_bin}:{start}"


def employee(certificate_id: int, nonce: str) -> str:
    return flows.button_data("org:emp", certificate_id, nonce=nonce)


def departure(certificate_id: int, nonce: str) -> str:
    return flows.button_data("org:gone", certificate_id, nonce=nonce)


def queue_page(start: int) -> str:
    return f"rq:page:{start}"


def approve(request_id: int) -> str:
    return f"rq:ok:{request_id}"


def approve_confirmed(request_id: int, nonce: str) -> str:
    return flows.button_data("rq:yes", request_id, nonce=nonce)


def approve_dropped(request_id: int, nonce: str) -> str:
    return flows.button_data("rq:back", request_id, nonce=nonce)


def reject(request_id: int) -> str:
    return f"rq:no:{request_id}"


# ---- reading ---------------------------------------------------------------------------------


def parse(data: str | None) -> Action | None:
    """The action, or None for data no button of ours carries (numbers out of range too:
    they are refused before any query)."""
    for name, pattern in _COMPILED.items():
        match = pattern.match(data or "")
        if match is None:
            continue
        found = match.groupdict()
        row = callback_id(found["id"]) if found.get("id") is not None else None
        if found.get("id") is not None and row is None:
            return None
        start = list_start(found["start"]) if found.get("start") is not None else 0
        if start is None:
            return None
        return Action(
            name,
            id=row,
            reason=found.get("reason"),
            org_bin=found.get("bin"),
            start=start,
            nonce=found.get("nonce"),
        )
    return None
