"""What other features may use of the work-chat guard, and all they may import from it: the
/stats sections features provide (the guard's catches among them)."""

from __future__ import annotations

from bot.groups.stats import StatsSection, sections

__all__ = ["StatsSection", "sections"]
