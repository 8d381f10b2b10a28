"""The periods charts count in: Kazakhstan calendar days and weeks starting on Monday."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from bot.ops.clock import KAZAKHSTAN, kz_day


def days_ending(last: date, count: int) -> list[date]:
    return [last - timedelta(days=count - 1 - i) for i in range(count)]


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weeks_ending(last: date, count: int) -> list[date]:
    """The Mondays of the `count` weeks up to and including `last`'s week, oldest first."""
    monday = week_start(last)
    return [monday - timedelta(weeks=count - 1 - i) for i in range(count)]


def per_week(moments: Iterable[datetime], weeks: list[date]) -> list[int]:
    """How many moments fall in each week (Astana time); moments outside are ignored."""
    index = {monday: i for i, monday in enumerate(weeks)}
    counts = [0] * len(weeks)
    for moment in moments:
        slot = index.get(week_start(kz_day(moment)))
        if slot is not None:
            counts[slot] += 1
    return counts


def start_of(day: date) -> datetime:
    """Midnight in Astana at the start of `day`, as an aware moment."""
    return datetime.combine(day, time.min, tzinfo=KAZAKHSTAN)
