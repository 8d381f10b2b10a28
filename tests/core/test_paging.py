"""The paging helper's arithmetic and the one check of ids from callback data."""

from __future__ import annotations

import pytest

from bot.core.callbacks import callback_id, list_start
from bot.core.paging import ELLIPSIS, clip, fit, visible_length
from bot.db.ids import INT32_MAX


def test_visible_length_counts_what_telegram_counts() -> None:
    assert visible_length("<b>ab</b> &amp; c") == len("ab & c")
    assert visible_length("😀") == 2  # UTF-16 code units


@pytest.mark.parametrize(
    ("lengths", "room", "expected"),
    [
        ([], 100, 0),
        ([10, 10, 10], 100, 3),
        ([40, 40, 40], 100, 2),  # 40 + 2 + 40 = 82; a third would be 124
        ([40, 40, 40], 82, 2),
        ([40, 40, 40], 81, 1),
        ([500, 1], 100, 1),  # an item longer than a page still gets a page of its own
        ([1] * 50, 1000, 10),  # at most max_items
    ],
)
def test_fit(lengths: list[int], room: int, expected: int) -> None:
    assert fit(lengths, room, separator=2, max_items=10) == expected


def test_clip_keeps_whole_lines_and_valid_markup() -> None:
    block = "\n".join(f"<b>line {n}</b> " + "x" * 40 for n in range(100))
    clipped = clip(block, 500)
    assert visible_length(clipped) <= 500
    assert clipped.endswith(ELLIPSIS)
    assert clipped.startswith("<b>line 0</b>")
    assert all(line.count("<b>") == line.count("</b>") for line in clipped.split("\n"))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("1", 1),
        (str(INT32_MAX), INT32_MAX),
        (str(INT32_MAX + 1), None),  # PostgreSQL: "value out of int32 range"
        ("99999999999", None),
        ("0", None),
        ("", None),
        (None, None),
        ("-1", None),
        ("١٢", None),  # Arabic-Indic digits: str.isdigit() says yes, int() would take them
        ("0" * 11 + "1", None),
    ],
)
def test_callback_ids_are_checked_against_the_column_range(
    data: str | None, expected: int | None
) -> None:
    assert callback_id(data) == expected


def test_list_positions() -> None:
    assert list_start("0") == 0
    assert list_start("999999") == 999_999
    assert list_start("1000000") is None
    assert list_start("x") is None
