"""Lists that can grow, shown one message at a time with ◀ / ▶ buttons.

Telegram refuses a message over 4096 characters (counted after HTML parsing, in UTF-16 units),
and a refused reply leaves the user with nothing. A page therefore holds as many items as fit
in a budget with a safety margin, never a fixed count alone: items differ in length (a name of
200 letters, an employee with twenty certificates). A page is addressed by the position of its
first item, so the buttons carry a number that is re-checked on every press and the list is
read afresh each time (an item decided or added meanwhile simply moves).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.callbacks import MAX_START
from bot.runtime import BotContext
from bot.tghtml import parse

T = TypeVar("T")

# Of Telegram's 4096: room for the position line and for anything our measure misses.
BUDGET = 3500
# Items with a button each must also keep the keyboard small enough to use on a phone.
MAX_ITEMS = 10
ELLIPSIS = "…"

# (start, limit) -> (total, up to `limit` items from `start`)
Fetch = Callable[[int, int], Awaitable[tuple[int, Sequence[T]]]]


def visible_length(html: str) -> int:
    """Characters Telegram counts for this HTML: the text after entity parsing, in UTF-16."""
    return parse(html).length


def fit(lengths: Sequence[int], room: int, separator: int, max_items: int) -> int:
    """How many items, taken in order, fit in `room`; at least one if there is any."""
    used = count = 0
    for length in lengths[:max_items]:
        extra = length + (separator if count else 0)
        if count and used + extra > room:
            break
        used += extra
        count += 1
    return count


def clip(block: str, room: int) -> str:
    """An item longer than a whole page: whole lines while they fit, then an ellipsis.

    Templates keep each tag within one line, so cutting between lines keeps the HTML valid.
    """
    kept: list[str] = []
    used = visible_length(ELLIPSIS) + 1
    for line in block.split("\n"):
        length = visible_length(line) + 1
        if used + length > room:
            break
        kept.append(line)
        used += length
    return "\n".join([*kept, ELLIPSIS])


def from_list(items: Sequence[T]) -> Fetch[T]:
    """A Fetch over a list already in memory."""

    async def fetch(start: int, limit: int) -> tuple[int, Sequence[T]]:
        return len(items), items[start : start + limit]

    return fetch


@dataclass(frozen=True)
class Page(Generic[T]):
    text: str
    items: Sequence[T]
    start: int  # position of the first item shown
    total: int
    navigation: Sequence[InlineKeyboardButton]

    def markup(
        self, rows: Sequence[Sequence[InlineKeyboardButton]] = ()
    ) -> InlineKeyboardMarkup | None:
        """The items' own buttons, then ◀ / ▶ (no keyboard at all when both are empty)."""
        keyboard = [list(row) for row in rows if row]
        if self.navigation:
            keyboard.append(list(self.navigation))
        return InlineKeyboardMarkup(keyboard) if keyboard else None


@dataclass(frozen=True)
class Listing(Generic[T]):
    """How one list is paged: how an item is written, and the callback data of its pages."""

    render: Callable[[T], str]
    # Callback data of the page starting at a position: data(start), at most 64 bytes.
    data: Callable[[int], str]
    separator: str = "\n\n"
    max_items: int = MAX_ITEMS
    budget: int = BUDGET

    async def page(
        self,
        context: BotContext,
        fetch: Fetch[T],
        start: int,
        *,
        header: str | Callable[[int], str],
        footer: str = "",
    ) -> Page[T]:
        """The page starting at `start`; `header` may depend on the number of items."""
        total, items = await fetch(start, self.max_items)
        title = header(total) if callable(header) else header
        frame = [part for part in (title, footer) if part]
        room = self.budget - sum(visible_length(p) + len(self.separator) for p in frame)
        if start and not items and total:
            # The list shrank under an old button: show its last page instead of nothing.
            start = await self._start_of_page_ending_at(fetch, min(total, MAX_START), room)
            total, items = await fetch(start, self.max_items)
        blocks = [self.render(item) for item in items]
        count = fit([visible_length(b) for b in blocks], room, len(self.separator), self.max_items)
        blocks, items = blocks[:count], items[:count]
        if blocks and visible_length(blocks[0]) > room:
            blocks[0] = clip(blocks[0], room)
        previous = await self._start_of_page_ending_at(fetch, start, room) if start else None
        following = start + count if start + count < total else None
        if following is not None and following > MAX_START:
            following = None  # beyond what a button can address; no list gets near it
        parts = [title, *blocks]
        if previous is not None or following is not None:
            parts.append(
                context.t("core.paging.position", first=start + 1, last=start + count, total=total)
            )
        parts.append(footer)
        return Page(
            text=self.separator.join(p for p in parts if p),
            items=items,
            start=start,
            total=total,
            navigation=self._navigation(context, previous, following),
        )

    async def _start_of_page_ending_at(self, fetch: Fetch[T], end: int, room: int) -> int:
        """Where the page just before position `end` starts: as many items as fit, backwards.

        Going back and then forward may not meet the same page boundary exactly (items differ
        in length); no item is ever skipped, because a page always starts where it is told.
        """
        begin = max(0, end - self.max_items)
        _, items = await fetch(begin, end - begin)
        lengths = [visible_length(self.render(item)) for item in reversed(items)]
        return end - max(1, fit(lengths, room, len(self.separator), self.max_items))

    def _navigation(
        self, context: BotContext, previous: int | None, following: int | None
    ) -> list[InlineKeyboardButton]:
        buttons = []
        if previous is not None:
            buttons.append(
                InlineKeyboardButton(
                    context.t("core.paging.previous"), callback_data=self.data(previous)
                )
            )
        if following is not None:
            buttons.append(
                InlineKeyboardButton(
                    context.t("core.paging.next"), callback_data=self.data(following)
                )
            )
        return buttons
