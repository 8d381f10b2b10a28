"""SQLite under asyncio with fewer trips to the driver's thread, and one writer at a time.

aiosqlite runs each SQLite connection in a thread of its own, and every call into it is a trip
there and back (a queue put, a thread switch, a wake-up of the event loop). SQLAlchemy's
adapter makes three or four such trips per statement (open a cursor, execute, fetch, close),
and our `BEGIN IMMEDIATE` is one more statement. At one update's handful of statements that
was a third of the CPU the bot spent on an update. This adapter makes one trip per statement,
runs `BEGIN IMMEDIATE` in the same trip as the transaction's first statement, and skips the
rollback of a connection that is in no transaction (the pool's reset on check-in). A short
transaction by key (the two every update makes) can make no trip at all: `on_the_loop` runs
its statements in the event loop's thread, and checkpoints then run elsewhere
(bot/db/sqlite_checkpoints.py).

One writer at a time. Every transaction takes SQLite's write lock (`BEGIN IMMEDIATE`, see
bot/db/engine.py). A connection that finds it taken waits inside SQLite, which sleeps in
growing steps (up to 100 ms) between tries, so under load a write could wait far longer than
the transaction ahead of it took. Here the transactions of one engine queue for an asyncio lock
first, in order, and each starts the moment the one before it ends; SQLite's own wait
(busy_timeout) remains for other processes (the CLI). A transaction that waits longer than
the busy timeout for the lock fails as SQLite would ("database is locked").

It relies on aiosqlite's `_execute` (how SQLAlchemy's own adapter sets the isolation level)
and on SQLAlchemy's adapter classes; `available()` says whether they are there, and the engine
falls back to the stock adapter when they are not.
"""

from __future__ import annotations

import asyncio
import collections
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection as SAConnection
from sqlalchemy.dialects.sqlite import aiosqlite as sa_aiosqlite
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

from bot.db.sqlite_checkpoints import Checkpointer

_Result = tuple[Any, list[Any], int, int | None]


def available() -> bool:
    try:
        import aiosqlite
    except ImportError:  # pragma: no cover (a dependency)
        return False
    return hasattr(aiosqlite.Connection, "_execute") and hasattr(
        sa_aiosqlite, "AsyncAdapt_aiosqlite_connection"
    )


class _Cursor(sa_aiosqlite.AsyncAdapt_aiosqlite_cursor):
    """Executes and fetches in one trip; holds the rows, as the stock cursor does."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: Any) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]  # no driver cursor is kept
        self._soft_closed_memoized = EMPTY_DICT
        self._rows: collections.deque[Any] = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    async def _async_soft_close(self) -> None:
        return None

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        connection = self._adapt_connection
        assert isinstance(connection, Connection)
        if not connection._here:
            return super().execute(operation, parameters)
        try:
            result = connection.run_here(_statement(operation, parameters))
        except Exception as error:
            connection._handle_exception(error)
        self._description, rows, self._rowcount, self._lastrowid = result
        self._rows = collections.deque(rows)

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        connection = self._adapt_connection
        assert isinstance(connection, Connection)
        async with connection._execute_mutex:
            result = await connection.run(_statement(operation, parameters))
        self._description, rows, self._rowcount, self._lastrowid = result
        self._rows = collections.deque(rows)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        def run(raw: sqlite3.Connection) -> _Result:
            cursor = raw.cursor()
            try:
                cursor.executemany(operation, seq_of_parameters)
                return None, [], cursor.rowcount, cursor.lastrowid
            finally:
                cursor.close()

        connection = self._adapt_connection
        assert isinstance(connection, Connection)
        async with connection._execute_mutex:
            result = await connection.run(run)
        self._description, _, self._rowcount, self._lastrowid = result
        self._rows.clear()


def _statement(operation: Any, parameters: Any) -> Callable[[sqlite3.Connection], _Result]:
    def run(raw: sqlite3.Connection) -> _Result:
        cursor = raw.cursor()
        try:
            if parameters is None:
                cursor.execute(operation)
            else:
                cursor.execute(operation, parameters)
            description = cursor.description
            rows = cursor.fetchall() if description else []
            return description, rows, cursor.rowcount, cursor.lastrowid
        finally:
            cursor.close()

    return run


class Connection(sa_aiosqlite.AsyncAdapt_aiosqlite_connection):
    __slots__ = ("_begin_pending", "_commit_next", "_here", "_holds")
    _cursor_cls = _Cursor

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self._begin_pending = False
        self._commit_next = False
        self._here = False
        self._holds: asyncio.Lock | None = None

    def on_the_loop(self) -> None:
        """This transaction's statements run in the caller's thread (see `on_the_loop`)."""
        self._here = True

    def begin_immediate(self) -> None:
        """Called by the engine's begin event: the transaction starts with its first statement."""
        self._begin_pending = True

    def commit_with_next(self) -> None:
        """The next statement is the transaction's last: COMMIT goes in the same trip, and the
        commit that follows has nothing left to do (see `commit_with_next` below)."""
        self._commit_next = True

    async def run(self, fn: Callable[[sqlite3.Connection], _Result]) -> _Result:
        """One trip to the driver's thread: BEGIN IMMEDIATE first when a transaction is due,
        COMMIT after when the statement is the transaction's last."""
        raw: sqlite3.Connection = self._connection._conn
        if self._commit_next:
            self._commit_next = False
            fn = _then_commit(fn)
        if not self._begin_pending:
            return await self._connection._execute(fn, raw)  # type: ignore[no-any-return]
        dbapi: DBAPI = self.dbapi
        await dbapi.acquire(self)

        def begin_then(raw: sqlite3.Connection) -> tuple[_Result | None, BaseException | None]:
            raw.execute("BEGIN IMMEDIATE")  # fails alone: no transaction began
            try:
                return fn(raw), None
            except Exception as exc:  # the transaction is open: SQLAlchemy rolls it back
                return None, exc

        try:
            result, error = await self._connection._execute(begin_then, raw)
        except BaseException:
            self._release()
            raise
        self._begin_pending = False
        if error is not None:
            raise error
        assert result is not None
        return result  # type: ignore[no-any-return]

    def run_here(self, fn: Callable[[sqlite3.Connection], _Result]) -> _Result:
        """`run` without the trip: in the event loop's thread, from SQLAlchemy's synchronous
        side. Only the write lock is waited for: the in-process writers' queue as `run` does,
        then SQLite's lock without waiting; should another process (the CLI) hold that, the
        wait for it goes to the driver's thread, as every other wait does."""
        raw: sqlite3.Connection = self._connection._conn
        if self._commit_next:
            self._commit_next = False
            fn = _then_commit(fn)
        if self._begin_pending:
            dbapi: DBAPI = self.dbapi
            await_(dbapi.acquire(self))
            try:
                if not _begin_at_once(raw, dbapi.busy_timeout_ms):
                    await_(self._connection._execute(raw.execute, "BEGIN IMMEDIATE"))
            except BaseException:
                self._release()
                raise
            self._begin_pending = False
        return fn(raw)

    def _release(self) -> None:
        self._here = False
        lock, self._holds = self._holds, None
        if lock is not None and lock.locked():
            lock.release()
        if lock is not None:
            dbapi: DBAPI = self.dbapi
            dbapi.checkpoints.transaction_ended()

    def commit(self) -> None:
        self._commit_next = False
        raw: sqlite3.Connection = self._connection._conn
        if self._begin_pending:  # nothing was executed: nothing began
            self._begin_pending = self._here = False
            return
        if not raw.in_transaction:  # committed with its last statement
            self._release()
            return
        try:
            if self._here:
                try:
                    raw.commit()
                except Exception as error:
                    self._handle_exception(error)
            else:
                super().commit()
        finally:
            if not raw.in_transaction:
                self._release()

    def rollback(self) -> None:
        self._begin_pending = self._commit_next = False
        if not self._connection._connection or not self._connection._conn.in_transaction:
            self._release()  # nothing to roll back (the pool's reset after a commit)
            return
        if self._here:
            try:
                self._connection._conn.rollback()
            finally:
                self._release()
            return
        try:
            super().rollback()
        finally:
            self._release()

    def close(self) -> None:
        self._commit_next = False
        try:
            super().close()
        finally:
            self._release()

    def terminate(self) -> None:
        try:
            super().terminate()
        finally:
            self._release()


def _begin_at_once(raw: sqlite3.Connection, busy_timeout_ms: int) -> bool:
    """BEGIN IMMEDIATE if SQLite's write lock is free; False, and nothing begun, if another
    process holds it."""
    raw.execute("PRAGMA busy_timeout=0")
    try:
        raw.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY:
            raise
        return False
    finally:
        raw.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
    return True


def _then_commit(
    fn: Callable[[sqlite3.Connection], _Result],
) -> Callable[[sqlite3.Connection], _Result]:
    def run(raw: sqlite3.Connection) -> _Result:
        result = fn(raw)
        raw.commit()  # raising, it leaves the transaction open: SQLAlchemy rolls it back
        return result

    return run


def on_the_loop(conn: SAConnection) -> None:
    """Run the rest of `conn`'s transaction in the event loop's thread, without trips to
    SQLite's thread, for a transaction of a few short statements by primary key (the ones
    every update makes). A trip costs more CPU than such a statement (a queue, a thread
    switch, a wake-up of the loop); running it here holds the loop only as long as the
    statement takes, its reads and its write into the log included (no fsync: the log is
    synced at checkpoints, bot/db/sqlite_checkpoints.py, but a disk far behind can make the
    kernel hold a write back, or a page not yet cached be read). Nothing that scans, and nothing
    that may wait: waiting for the write lock still happens off the loop (see
    `Connection.run_here`). Other drivers: nothing changes."""
    dbapi_connection = conn.connection.dbapi_connection
    if isinstance(dbapi_connection, Connection):
        dbapi_connection.on_the_loop()


def commit_with_next(conn: SAConnection) -> None:
    """Say that the next statement on `conn` ends its transaction, so that on this driver the
    COMMIT rides with it: one trip to SQLite's thread instead of two. Each trip wakes a thread
    and then the event loop, which costs more CPU than a short statement. Anything else
    (PostgreSQL, the stock adapter) commits as usual."""
    dbapi_connection = conn.connection.dbapi_connection
    if isinstance(dbapi_connection, Connection):
        dbapi_connection.commit_with_next()


class DBAPI(sa_aiosqlite.AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI module one engine uses: its connections, and its writers' queue."""

    def __init__(self, lock_timeout: float) -> None:
        import aiosqlite

        super().__init__(aiosqlite, sqlite3)
        self.lock_timeout = lock_timeout
        self.busy_timeout_ms = round(lock_timeout * 1000)
        # One lock per event loop: an engine may outlive a test's loop.
        self._locks: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}
        self.checkpoints = Checkpointer()

    async def acquire(self, connection: Connection) -> None:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = asyncio.Lock()
            self._locks = {loop: lock}  # locks of loops that are gone go with it
        try:
            async with asyncio.timeout(self.lock_timeout):
                await lock.acquire()
        except TimeoutError:
            raise sqlite3.OperationalError("database is locked") from None
        connection._holds = lock

    def connect(self, *arg: Any, **kw: Any) -> Connection:
        # Statements run in the loop's thread too (`on_the_loop`), never two at once: a
        # connection belongs to one transaction at a time, whose statements are awaited in turn.
        self.checkpoints.database(arg, kw)
        connection = self.aiosqlite.connect(*arg, **{**kw, "check_same_thread": False})
        connection._thread.daemon = True  # as SQLAlchemy's adapter does
        return Connection(self, await_(connection))


def dbapi(lock_timeout: float) -> DBAPI:
    return DBAPI(lock_timeout)


__all__: Sequence[str] = (
    "DBAPI",
    "Connection",
    "available",
    "commit_with_next",
    "dbapi",
    "on_the_loop",
)
