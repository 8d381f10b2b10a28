"""Apply Alembic migrations under a lock, so several processes may start at once."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
PACKAGE_DIR = Path(__file__).resolve().parent.parent
# Any constant shared by all instances; it names the lock, nothing more.
PG_MIGRATION_LOCK_KEY = 0x65_7369_676E  # "esign"


def version_locations() -> list[Path]:
    """The shared tables' versions, then each feature's own: bot/<feature>/migrations/.

    Every feature keeps its tables' history in its own folder, on its own Alembic branch that
    starts from the shared tables, so features can be added without touching each other.
    """
    feature_dirs = sorted(
        path for path in PACKAGE_DIR.glob("*/migrations") if path.parent.name != "db"
    )
    return [MIGRATIONS_DIR / "versions", *feature_dirs]


def _base_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.set_main_option(
        "version_locations", os.pathsep.join(str(p) for p in version_locations())
    )
    return config


def _config(connection: Connection) -> Config:
    config = _base_config()
    config.attributes["connection"] = connection
    return config


def head_revisions() -> frozenset[str]:
    return _heads(_scripts_fingerprint())


def _scripts_fingerprint() -> tuple[tuple[str, int, int], ...]:
    """Every revision file with its size and mtime: a changed file changes the heads' key."""
    files = sorted(path for folder in version_locations() for path in folder.glob("*.py"))
    return tuple((str(path), (st := path.stat()).st_mtime_ns, st.st_size) for path in files)


@cache
def _heads(_fingerprint: tuple[tuple[str, int, int], ...]) -> frozenset[str]:
    # Reading the heads executes every revision file; do it once per set of files.
    return frozenset(ScriptDirectory.from_config(_base_config()).get_heads())


def _upgrade(connection: Connection) -> None:
    # An up-to-date database is the usual case at start-up. Alembic's own no-op still runs
    # env.py and every revision file each time; comparing the stored revisions with the heads
    # first (under the same lock, in the same transaction) skips that and decides the same.
    if _current(connection) == head_revisions():
        return
    command.upgrade(_config(connection), "heads")


def _current(connection: Connection) -> frozenset[str]:
    return frozenset(MigrationContext.configure(connection).get_current_heads())


async def upgrade(engine: AsyncEngine) -> None:
    if engine.dialect.name == "postgresql":
        async with engine.connect() as conn:
            # A transaction-scoped advisory lock: the second process waits, then finds the
            # schema at head and does nothing. Released by the commit.
            await conn.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_MIGRATION_LOCK_KEY}
            )
            await conn.run_sync(_upgrade)
            await conn.commit()
        return
    with _sqlite_file_lock(engine):
        async with engine.connect() as conn:
            await conn.run_sync(_upgrade)
            await conn.commit()


async def current_revisions(engine: AsyncEngine) -> frozenset[str]:
    async with engine.connect() as conn:
        return await conn.run_sync(_current)


@contextmanager
def _sqlite_file_lock(engine: AsyncEngine) -> Iterator[None]:
    database = make_url(str(engine.url)).database
    if not database or database == ":memory:":
        yield
        return
    lock_path = Path(database).with_suffix(".migrate.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
