"""Migrations: they build the schema the models describe, and run safely from two processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from bot.db import migrate
from bot.db.engine import create_engine
from bot.db.metadata import all_metadata


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, all_metadata()))


async def test_migrations_match_the_models(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await migrate.upgrade(engine)
        assert await migrate.current_revisions(engine) == migrate.head_revisions()
        async with engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
        # Running again is a no-op, not an error.
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


def _start_upgrade(url: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "db", "upgrade"],
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": url},
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _upgrade_twice_at_once(url: str, cwd: Path) -> None:
    processes = [_start_upgrade(url, cwd) for _ in range(2)]
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        assert "database is at the latest schema" in out


async def test_two_processes_migrate_postgres_concurrently(
    postgres_url: str, tmp_path: Path
) -> None:
    _upgrade_twice_at_once(postgres_url, tmp_path)
    engine = create_engine(postgres_url)
    try:
        assert await migrate.current_revisions(engine) == migrate.head_revisions()
    finally:
        await engine.dispose()


def test_two_processes_migrate_sqlite_concurrently(sqlite_url: str, tmp_path: Path) -> None:
    _upgrade_twice_at_once(sqlite_url, tmp_path)
