"""The SQLite database and its WAL and shared-memory files are readable by the bot's user only."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.db import migrate
from bot.db.engine import create_engine
from bot.harness import BotHarness


@pytest.fixture(autouse=True)
def _usual_umask() -> Iterator[None]:
    """A common umask, under which SQLite on its own would create the files 0644."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_the_running_bot_keeps_its_database_files_private(
    harness: BotHarness, tmp_path: Path
) -> None:
    user = harness.user(language_code="en")
    await user.send("/start")
    database = tmp_path / "bot.sqlite3"
    files = [database, tmp_path / "bot.sqlite3-wal", tmp_path / "bot.sqlite3-shm"]
    assert all(f.exists() for f in files)  # WAL mode, connections open
    assert {f.name: _mode(f) for f in files} == {f.name: 0o600 for f in files}


async def test_an_existing_readable_database_is_made_private(tmp_path: Path) -> None:
    database = tmp_path / "old" / "bot.sqlite3"
    database.parent.mkdir()
    for name in ("bot.sqlite3", "bot.sqlite3-wal"):
        (database.parent / name).touch(mode=0o644)
        os.chmod(database.parent / name, 0o644)
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        assert _mode(database) == 0o600
        assert _mode(database.parent / "bot.sqlite3-wal") == 0o600
        await migrate.upgrade(engine)  # and the database is still usable
    finally:
        await engine.dispose()


async def test_a_new_data_directory_is_private(tmp_path: Path) -> None:
    database = tmp_path / "data" / "esign-bot.sqlite3"
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    await engine.dispose()
    assert _mode(database.parent) == 0o700
    assert _mode(database) == 0o600
