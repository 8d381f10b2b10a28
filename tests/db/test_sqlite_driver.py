"""Our SQLite adapter: one trip to aiosqlite's thread per statement or none (a short transaction
on the loop), writers one at a time, checkpoints off the loop."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import engine as engine_module
from bot.db import sqlite_driver
from bot.db.engine import create_engine
from bot.db.transaction import in_one_go

WRITERS = 5


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    made = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.sqlite3'}")
    async with made.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)"))
    yield made
    await made.dispose()


async def _count_trips(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The driver's trips from now on (the pool's connection is opened before counting)."""
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    trips: list[str] = []
    original: Callable[..., Any] = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        trips.append(getattr(fn, "__name__", "?"))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return trips


async def test_a_transaction_of_two_statements_is_three_trips(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    trips = await _count_trips(engine, monkeypatch)
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (id, v) VALUES (1, 'a')"))
        rows = (await conn.execute(text("SELECT v FROM t"))).all()
    assert rows == [("a",)]
    # BEGIN IMMEDIATE travels with the first statement; then the second; then COMMIT. Giving
    # the connection back after the commit costs nothing (no rollback of no transaction).
    assert len(trips) == 3, trips


async def test_a_last_statement_carries_the_commit(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    trips = await _count_trips(engine, monkeypatch)
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (id, v) VALUES (1, 'a')"))
        await conn.run_sync(sqlite_driver.commit_with_next)
        await conn.execute(text("INSERT INTO t (id, v) VALUES (2, 'b')"))
    # BEGIN IMMEDIATE with the first statement, COMMIT with the last: two trips, not three.
    assert len(trips) == 2, trips
    # Committed, and the write lock is free for the next writer at once.
    async with asyncio.timeout(2), engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (id, v) VALUES (3, 'c')"))
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT id FROM t"))).scalars().all() == [1, 2, 3]


async def test_a_short_transaction_on_the_loop_makes_no_trip(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    trips = await _count_trips(engine, monkeypatch)

    def work(conn: Connection) -> list[str]:
        conn.execute(text("INSERT INTO t (id, v) VALUES (1, 'a')"))
        conn.execute(text("UPDATE t SET v = 'b' WHERE id = 1"))
        return list(conn.execute(text("SELECT v FROM t")).scalars())

    assert await in_one_go(engine, work) == ["b"]
    assert trips == []
    # Committed, the write lock is free, and the connection goes back to making trips.
    async with asyncio.timeout(2), engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (id, v) VALUES (2, 'c')"))
    assert len(trips) == 2, trips
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT v FROM t"))).scalars().all() == ["b", "c"]


async def test_on_the_loop_waits_for_another_process_without_holding_the_loop(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    """The CLI holding SQLite's write lock: the wait goes to the driver's thread, so the rest
    of the bot keeps running meanwhile."""
    other = sqlite3.connect(tmp_path / "driver.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t (id, v) VALUES (1, 'other')")
    ticks = 0

    async def ticking() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    def work(conn: Connection) -> None:
        conn.execute(text("INSERT INTO t (id, v) VALUES (2, 'ours')"))

    ticker = asyncio.create_task(ticking())
    task = asyncio.create_task(in_one_go(engine, work))
    await asyncio.sleep(0.3)
    assert not task.done()
    assert ticks >= 10  # the loop went on while ours waited
    other.execute("COMMIT")
    other.close()
    await asyncio.wait_for(task, 5)
    ticker.cancel()
    async with engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM t")) == 2


async def test_a_failing_statement_on_the_loop_rolls_back(engine: AsyncEngine) -> None:
    def work(conn: Connection) -> None:
        conn.execute(text("INSERT INTO t (id, v) VALUES (1, 'a')"))
        conn.execute(text("INSERT INTO t (id, v) VALUES (1, 'again')"))

    with pytest.raises(Exception, match="UNIQUE"):
        await in_one_go(engine, work)
    async with asyncio.timeout(2), engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (id, v) VALUES (2, 'b')"))
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT id FROM t"))).scalars().all() == [2]


async def test_checkpoints_run_off_the_loop_every_so_many_transactions(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    async with engine.connect() as conn:
        # The engine's connections leave checkpoints to the checkpointer.
        assert await conn.scalar(text("PRAGMA wal_autocheckpoint")) == 0
    checkpoints = engine.dialect.dbapi.checkpoints  # type: ignore[attr-defined]
    checkpoints.within = 3600.0  # by count alone here
    assert checkpoints.done == 0
    inserted = 0
    while not checkpoints.running:  # due after `every` transactions, the table's included
        assert inserted < checkpoints.every
        await in_one_go(
            engine,
            lambda conn, i=inserted: conn.execute(
                text("INSERT INTO t (id, v) VALUES (:id, 'x')"), {"id": i}
            ),
        )
        inserted += 1
    await asyncio.wait_for(checkpoints.finished(), 5)
    assert checkpoints.done == 1
    assert checkpoints.last is not None
    busy, frames, copied = checkpoints.last
    assert busy == 0
    assert copied == frames > 0
    # Everything committed is in the database file itself now (read here without the log).
    raw = sqlite3.connect(f"file:{tmp_path / 'driver.sqlite3'}?immutable=1", uri=True)
    try:
        assert raw.execute("SELECT count(*) FROM t").fetchone() == (inserted,)
    finally:
        raw.close()


async def test_a_failing_last_statement_rolls_back_its_transaction(engine: AsyncEngine) -> None:
    def work(conn: Connection) -> None:
        conn.execute(text("INSERT INTO t (id, v) VALUES (1, 'a')"))
        sqlite_driver.commit_with_next(conn)
        conn.execute(text("INSERT INTO t (id, v) VALUES (2, NULL)"))

    with pytest.raises(Exception, match="NOT NULL"):
        await in_one_go(engine, work)
    # Nothing of it stays, the lock is free, and the pooled connection commits as usual again.
    async with asyncio.timeout(2), engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (id, v) VALUES (3, 'c')"))
        await conn.execute(text("INSERT INTO t (id, v) VALUES (4, 'd')"))
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT id FROM t"))).scalars().all() == [3, 4]


async def test_writers_take_turns_in_order_without_database_is_locked(
    engine: AsyncEngine,
) -> None:
    order: list[tuple[str, int]] = []

    async def writer(n: int) -> None:
        async with engine.begin() as conn:
            # The transaction (and the wait for its turn) starts with its first statement.
            await conn.execute(text("INSERT INTO t (id, v) VALUES (:id, 'x')"), {"id": n})
            order.append(("in", n))
            await asyncio.sleep(0.1)  # a handler holding its transaction across an await
            order.append(("out", n))

    async def start(n: int) -> None:
        await asyncio.sleep(0.01 * n)  # arrive in order
        await writer(n)

    # The writers' connections are open first: opening one takes a thread and its own
    # time, which on a loaded machine could reorder the arrivals this test is about.
    held = [await engine.connect() for _ in range(WRITERS)]
    for conn in held:
        await conn.execute(text("SELECT 1"))
        await conn.close()
    await asyncio.gather(*(start(n) for n in range(WRITERS)))
    # Never two inside at once, and first come first served.
    assert order == [item for n in range(WRITERS) for item in (("in", n), ("out", n))]
    async with engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM t")) == WRITERS


async def test_a_failed_statement_rolls_back_and_lets_the_next_writer_in(
    engine: AsyncEngine,
) -> None:
    async def failing() -> None:
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t (id, v) VALUES (1, 'kept?')"))
            await conn.execute(text("INSERT INTO t (id, v) VALUES (2, NULL)"))

    with pytest.raises(Exception, match="NOT NULL"):
        await failing()
    async with asyncio.timeout(2), engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (id, v) VALUES (3, 'next')"))
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT id FROM t"))).scalars().all() == [3]


async def test_a_writer_waiting_longer_than_the_busy_timeout_fails_as_sqlite_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_MS", 200)
    made = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'locked.sqlite3'}")
    try:
        async with made.begin() as holder:
            await holder.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
            with pytest.raises(OperationalError, match="database is locked"):
                async with made.begin() as waiter:
                    await waiter.execute(text("INSERT INTO t (id) VALUES (1)"))
        async with made.begin() as conn:  # the holder's commit let the next one in
            await conn.execute(text("INSERT INTO t (id) VALUES (2)"))
    finally:
        await made.dispose()


async def test_another_process_holding_the_write_lock_is_waited_for(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    """SQLite's own busy wait still covers other processes (the CLI, a second engine)."""
    other = sqlite3.connect(tmp_path / "driver.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t (id, v) VALUES (1, 'other')")

    async def ours() -> None:
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t (id, v) VALUES (2, 'ours')"))

    task = asyncio.create_task(ours())
    await asyncio.sleep(0.2)
    assert not task.done()
    other.execute("COMMIT")
    other.close()
    await asyncio.wait_for(task, 5)
    async with engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM t")) == 2


async def test_a_lone_commit_is_checkpointed_within_seconds(tmp_path: Path) -> None:
    """With synchronous=NORMAL only a checkpoint syncs a commit to disk: a quiet bot's last
    commits must not wait for ninety-nine more."""
    path = tmp_path / "quiet.sqlite3"
    made = create_engine(f"sqlite+aiosqlite:///{path}")
    checkpoints = made.dialect.dbapi.checkpoints  # type: ignore[attr-defined]
    checkpoints.within = 0.2
    try:
        async with made.begin() as conn:
            await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
        await in_one_go(made, lambda conn: conn.execute(text("INSERT INTO t VALUES (1, 'a')")))
        assert checkpoints.done == 0  # not at once: it waits for more, or for the time
        for _ in range(100):  # the row reaches the database file itself, read without the log
            await asyncio.sleep(0.05)
            raw = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
            try:
                rows = raw.execute("SELECT v FROM t").fetchall()
            except sqlite3.DatabaseError:  # not there yet (or read while being copied)
                rows = []
            finally:
                raw.close()
            if rows:
                break
        assert rows == [("a",)]
        await checkpoints.finished()  # the file can show it before the thread reports back
        assert checkpoints.last is not None
        assert checkpoints.last[0] == 0  # not busy
    finally:
        await made.dispose()
