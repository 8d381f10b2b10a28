"""Broadcast tests: fast engine timings and harnesses with an operator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.broadcasts import engine
from bot.harness import BotHarness
from tests.broadcasts.helpers import broadcast_settings


@pytest.fixture(autouse=True)
def fast_engine(monkeypatch: pytest.MonkeyPatch) -> engine.Tuning:
    """Notice changes in 50 ms and retry in 50 ms, so the suite stays fast."""
    tuning = engine.Tuning(
        poll_interval=0.05,
        progress_interval=0.2,
        backoff_base=0.05,
        backoff_max=0.2,
        stop_timeout=2.0,
        write_retry=0.05,
    )
    monkeypatch.setattr(engine, "TUNING", tuning)
    return tuning


@pytest.fixture
async def bh(sqlite_url: str, tmp_path: Path) -> AsyncIterator[BotHarness]:
    """The bot on SQLite with one operator, broadcasting at a fast (paid) rate."""
    async with BotHarness(broadcast_settings(sqlite_url, tmp_path), global_rate=1000) as running:
        yield running


@pytest.fixture
async def any_db_bh(database_url: str, tmp_path: Path) -> AsyncIterator[BotHarness]:
    async with BotHarness(broadcast_settings(database_url, tmp_path), global_rate=1000) as running:
        yield running
