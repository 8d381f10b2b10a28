"""Which lane of the send budget a Bot API call goes in, and which calls spend the budget.

The lane of a call is, in order: the one the caller passed (`rate_limit_args`, e.g. the
broadcast bot), the one set around the caller (`sending_as`, e.g. notices), a deletion (always
a secret someone posted: passwords, key files), else a reply while an update is being handled
and a notice outside one (reminders, digests, the outbox of the CLI's messages).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from enum import IntEnum

from bot.db.scope import current_scope


class Lane(IntEnum):
    """Lower first: a free send slot goes to the lowest lane that has something waiting.

    Numbered from 1: PTB drops a falsy `rate_limit_args`."""

    SECRET = 1  # deleting a password or key file someone posted: it must not stay visible
    REPLY = 2  # answers to the person who just wrote
    NOTICE = 3  # notices and reminders nobody is waiting for at this moment
    BROADCAST = 4  # the ministry's warnings: only what the others leave


_lane: ContextVar[Lane | None] = ContextVar("send_lane", default=None)

# Methods that put a new message in a chat: they count against the per-chat and per-group limits.
_NEW_MESSAGE_PREFIXES = ("send", "copyMessage", "forwardMessage")
_NOT_BUDGETED = frozenset({"sendChatAction"})
# Changes to messages already there: they spend a slot of the bot's total, not a chat's.
_CHANGES = frozenset(
    {
        "editMessageText",
        "editMessageCaption",
        "editMessageMedia",
        "editMessageReplyMarkup",
        "deleteMessage",
        "deleteMessages",
    }
)


@contextmanager
def sending_as(lane: Lane) -> Iterator[None]:
    """Calls made inside (and in tasks started inside) go in `lane` unless they say otherwise."""
    token = _lane.set(lane)
    try:
        yield
    finally:
        _lane.reset(token)


def is_new_message(endpoint: str) -> bool:
    return endpoint.startswith(_NEW_MESSAGE_PREFIXES) and endpoint not in _NOT_BUDGETED


def is_budgeted(endpoint: str) -> bool:
    """Calls Telegram counts toward a bot's ~30 a second: new messages, edits, deletions.

    Reads (getFile, getChatMember), answers to button presses and inline queries, and set-up
    calls are not messages and do not wait for a slot."""
    return is_new_message(endpoint) or endpoint in _CHANGES


def lane_of(endpoint: str, explicit: object = None) -> Lane:
    if isinstance(explicit, Lane):
        return explicit
    chosen = _lane.get()
    if chosen is not None:
        return chosen
    if endpoint.startswith("delete"):
        return Lane.SECRET
    try:
        current_scope()
    except RuntimeError:
        return Lane.NOTICE
    return Lane.REPLY
