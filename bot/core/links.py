"""Deep links: a URL that opens the private chat with the bot at a given place."""

from __future__ import annotations


def deep_link(bot_username: str | None, payload: str) -> str:
    """t.me/<bot>?start=<payload>: /start <payload> in the private chat (a deep link's
    payload is at most 64 characters of A-Z a-z 0-9 _ -; the callers' payloads are)."""
    return f"https://t.me/{bot_username}?start={payload}"
