"""Migrations: they build the schema the models describe, and run safely from two processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from bot.config import load_settings
from bot.db import migrate
from bot.db.engine import create_engine
from bot.db.metadata import all_metadata
from bot.harness import BotHarness

# Some branches up to an early revision, revocations' not at all: a database from before a
# release that added a feature, or revisions, on a branch.
BEHIND = ("0002", "b0001", "g0001", "q0001", "s0001")


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, all_metadata()))


async def test_migrations_match_the_models(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    try:
        await migrate.upgrade(engine)
        assert await migrate.current_revisions(engine) == migrate.head_revisions()
        async with engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
        # Running again is a no-op, not an error.
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


def _upgrade_partly(connection: Connection) -> None:
    for revision in BEHIND:
        command.upgrade(migrate._config(connection), revision)


async def test_a_database_behind_on_some_branches_is_brought_to_the_heads(
    empty_database_url: str,
) -> None:
    engine = create_engine(empty_database_url)
    try:
        async with engine.connect() as conn:
            await conn.run_sync(_upgrade_partly)
            await conn.commit()
        assert await migrate.current_revisions(engine) == set(BEHIND)
        await migrate.upgrade(engine)
        assert await migrate.current_revisions(engine) == migrate.head_revisions()
        async with engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
    finally:
        await engine.dispose()


async def test_the_bot_migrates_an_empty_database_at_start(
    empty_database_url: str, tmp_path: Path
) -> None:
    settings = load_settings(
        database_url=empty_database_url,
        bot_data_dir=tmp_path,
        pii_secret="test-pii-secret-0123456789",
    )
    async with BotHarness(settings) as harness:
        reply = await harness.user(language_code="en").send("/start")
        assert reply.messages
        engine = harness.application.deps.engine
        assert await migrate.current_revisions(engine) == migrate.head_revisions()


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
    empty_postgres_url: str, tmp_path: Path
) -> None:
    _upgrade_twice_at_once(empty_postgres_url, tmp_path)
    engine = create_engine(empty_postgres_url)
    try:
        assert await migrate.current_revisions(engine) == migrate.head_revisions()
    finally:
        await engine.dispose()


def test_two_processes_migrate_sqlite_concurrently(empty_sqlite_url: str, tmp_path: Path) -> None:
    _upgrade_twice_at_once(empty_sqlite_url, tmp_path)
