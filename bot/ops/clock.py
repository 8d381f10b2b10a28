"""Kazakhstan's calendar: one time zone (UTC+5) for the whole country since March 2024."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

# Asia/Almaty carries the country's single offset; there is no separate Astana zone.
KAZAKHSTAN = ZoneInfo("Asia/Almaty")


def kz_day(moment: datetime) -> date:
    """The calendar day in Astana at an aware moment."""
    return moment.astimezone(KAZAKHSTAN).date()
