"""Engine and session factory for SQLite (embedded) and PostgreSQL (scale-out)."""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.db import sqlite_driver
from bot.db.urls import is_sqlite

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 10_000
# The database holds personal data (phone hashes, names, requests): the bot's user only.
PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    if is_sqlite(url):
        return _sqlite_engine(url, echo=echo)
    return create_async_engine(
        url, echo=echo, hide_parameters=True, pool_pre_ping=True, pool_size=10, max_overflow=10
    )


def _sqlite_engine(url: str, *, echo: bool) -> AsyncEngine:
    database = make_url(url).database
    if database and database != ":memory:":
        _private_database_file(Path(database))
    # hide_parameters: SQL errors must not carry personal data into logs and error reports.
    fast = sqlite_driver.available()
    extra: dict[str, Any] = (
        {"module": sqlite_driver.dbapi(SQLITE_BUSY_TIMEOUT_MS / 1000)} if fast else {}
    )
    engine = create_async_engine(url, echo=echo, hide_parameters=True, **extra)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, open transactions, so "begin" below decides their kind.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if fast:  # the driver checkpoints off the event loop (bot/db/sqlite_checkpoints.py)
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front: a deferred transaction that reads and then
        # writes fails at once with SQLITE_BUSY when another connection wrote in between,
        # whereas an immediate one waits out busy_timeout. Services keep transactions short.
        # Our driver (bot/db/sqlite_driver.py) sends it with the transaction's first statement.
        if fast:
            conn.connection.dbapi_connection.begin_immediate()
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _private_database_file(path: Path) -> None:
    """Create the file 0600 before SQLite does (it would follow the umask, often 0644), and
    tighten one left by an older version. SQLite gives its -wal and -shm files the database
    file's mode, so they follow."""
    path.parent.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE_MODE))
    for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
        with contextlib.suppress(FileNotFoundError):
            try:
                os.chmod(path.with_name(name), PRIVATE_FILE_MODE)
            except PermissionError:  # someone else's file: say so, and go on as before
                log.warning("cannot make %s private (mode 0600): not its owner", name)


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
