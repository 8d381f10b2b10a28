"""Callback data is a request, never a fact: the numbers in it are checked here, in one place,
before any handler puts them into a query."""

from __future__ import annotations

from bot.db.ids import MAX_ID_DIGITS, row_id

# Regex fragments for callback patterns: a row id, and the position of a list's page.
ID = rf"(\d{{1,{MAX_ID_DIGITS}}})"
MAX_START = 999_999
START = r"(\d{1,6})"


def callback_id(text: str | None) -> int | None:
    """A row id from callback data, within the range of the column it names; else None."""
    return row_id(text)


def list_start(text: str | None) -> int | None:
    """The position a page of a list starts at; else None."""
    if not text or len(text) > len(str(MAX_START)) or not (text.isascii() and text.isdigit()):
        return None
    return int(text)
