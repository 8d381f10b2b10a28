"""Fixtures for the work-chat guard: the harness with one operator, on one or both databases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.harness import BotHarness
from tests.groups.helpers import guard_settings


@pytest.fixture
async def gh(sqlite_url: str, tmp_path: Path) -> AsyncIterator[BotHarness]:
    """The real Application on SQLite, with one operator."""
    async with BotHarness(guard_settings(sqlite_url, tmp_path)) as running:
        yield running


@pytest.fixture
async def any_db_gh(database_url: str, tmp_path: Path) -> AsyncIterator[BotHarness]:
    """The same, once on SQLite and once on PostgreSQL."""
    async with BotHarness(guard_settings(database_url, tmp_path)) as running:
        yield running
