"""Each update handled once, and one chat's updates one at a time, across all instances.

Telegram redelivers a webhook update it got no answer to, and with several instances behind a
load balancer two updates of one chat can be handled at the same moment on two machines. Both
are settled around the whole handling of an update, which is why this wraps the update
processor rather than sitting in a handler: a pre-update handler runs before the handlers and
cannot hold anything until they are done.

PostgreSQL (several instances). A guard transaction on a connection of its own takes a
transaction-level advisory lock on the chat, then inserts the update_id (ON CONFLICT DO
NOTHING) and stays open while the handlers run; it commits when they are done.
- A second delivery of the update waits for the lock (or for the uncommitted row), then finds
  the committed row and is dropped: handled once.
- An instance that dies mid-update drops its connection: the transaction rolls back, the lock
  and the row vanish, and Telegram's retry is handled by another instance: nothing is lost.
- Updates of one chat on two instances run one after the other, so each sees the dialog state
  the other left. A lock around the update, rather than optimistic checks, because it is one
  place instead of a compare-and-set in every feature's step, and costs one statement. (It
  serialises; it cannot restore Telegram's order of two updates that arrive at the same time.)
A reply already sent when an instance dies cannot be unsent; that update is answered again by
the retry (at least once). Every other update is answered exactly once.

SQLite (one instance by design): the update_id is checked before and recorded after handling,
and the in-process per-chat lock does the rest. The check reads the database only for an
update_id at or below the highest one this instance has recorded or claimed (read once from
the table at start): Telegram numbers updates in increasing order, so a higher one cannot be a
repeat, and only a redelivery (or a stray) is looked up. This holds because no other process
writes the table; PostgreSQL, where several do, always claims in the database.

Both: the update's bookkeeping writes (bot/db/scope.py: counters, nothing the update reads
back) are written when it is recorded as handled, never before: on SQLite in that transaction
(one instead of one each); on PostgreSQL right after the guard transaction commits, on its
connection, a statement each in autocommit (inside the guard transaction a failing counter
could undo the claim, and a savepoint to prevent that cost two more round trips).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Executable,
    bindparam,
    delete,
    exists,
    func,
    select,
    text,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncTransaction,
    create_async_engine,
)
from telegram import Update

from bot.db import sqlite_driver
from bot.db.base import UtcDateTime, utcnow
from bot.db.scope import Write, enter_claim, leave_claim, write_all
from bot.db.transaction import in_one_go
from bot.ops.metrics import Metrics, update_type
from bot.ops.models import ProcessedUpdate
from bot.runtime import PerChatUpdateProcessor, chat_key

log = logging.getLogger(__name__)

# Telegram stops redelivering an update after a day; remembering it longer is pointless.
RETENTION = timedelta(hours=24)
# Guard connections per instance, which is also how many updates it handles at once on
# PostgreSQL. Each update also uses the main pool (10 + 10) for its session: 10 keeps an
# instance at about 30 connections, so three fit PostgreSQL's default of 100.
PG_GUARD_CONNECTIONS = 10
# A chat lock not granted in this long fails the update (webhook: 503, Telegram retries).
LOCK_TIMEOUT = "30s"
# The two-integer advisory lock space, first key "es"; the leader and migration locks use the
# one-bigint space, which PostgreSQL keeps apart.
CHAT_LOCK_SPACE = 0x6573
_UNLIMITED = 1_000_000

_CLAIM_WITH_CHAT_LOCK = text(
    # The INSERT selects from the lock, so the lock is granted before the row is tried.
    "WITH chat_lock AS (SELECT pg_advisory_xact_lock(CAST(:space AS integer),"
    " CAST(:chat AS integer))) "
    "INSERT INTO processed_updates (update_id, seen_at) "
    "SELECT CAST(:update_id AS bigint), now() FROM chat_lock "
    "ON CONFLICT (update_id) DO NOTHING RETURNING update_id"
)
_CLAIM = text(
    "INSERT INTO processed_updates (update_id, seen_at) VALUES (CAST(:update_id AS bigint), now())"
    " ON CONFLICT (update_id) DO NOTHING RETURNING update_id"
)

# SQLite: the update is recorded once handled.
_RECORD = (
    sqlite.insert(ProcessedUpdate)
    .values(
        update_id=bindparam("update_id", type_=BigInteger()),
        seen_at=bindparam("seen_at", type_=UtcDateTime()),
    )
    .on_conflict_do_nothing()
)


def chat_lock_key(chat_id: int) -> int:
    """A signed 32-bit key for the chat; a rare collision only serialises two chats."""
    digest = hashlib.blake2b(chat_id.to_bytes(8, "big", signed=True), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


class Claim:
    """An update this instance handles; `finish` records it (bot.db.scope.UpdateClaim)."""

    def __init__(self, update_id: int) -> None:
        self.update_id = update_id
        self.finished = False

    async def finish(self, writes: Sequence[Write]) -> None:
        self.finished = True


class _SqliteClaim(Claim):
    def __init__(self, update_id: int, engine: AsyncEngine) -> None:
        super().__init__(update_id)
        self._engine = engine

    async def finish(self, writes: Sequence[Write]) -> None:
        if self.finished:
            return
        try:
            await in_one_go(self._engine, lambda conn: self._record(conn, writes))
        except SQLAlchemyError:
            if not writes:
                raise
            # A broken counter must not get the update handled twice: record it alone.
            log.exception("update %d: its bookkeeping was not written", self.update_id)
            await in_one_go(self._engine, lambda conn: self._record(conn, ()))
        self.finished = True

    def _record(self, conn: Connection, writes: Sequence[Write]) -> None:
        write_all(conn, writes)
        sqlite_driver.commit_with_next(conn)  # the record is the last statement
        conn.execute(_RECORD, {"update_id": self.update_id, "seen_at": utcnow()})


class _PostgresClaim(Claim):
    def __init__(self, update_id: int, conn: AsyncConnection, guard: AsyncTransaction) -> None:
        super().__init__(update_id)
        self._conn = conn
        self._guard = guard

    async def finish(self, writes: Sequence[Write]) -> None:
        if self.finished:
            return
        # Handled: the claim is committed and the chat lock released first, so no counter can
        # undo the claim or hold the lock. Then the counters, each a statement of its own
        # (autocommit: no BEGIN, no savepoint, no COMMIT to wait for), before whoever waits
        # for the update (the webhook's answer, a test) goes on. A crash between the two
        # loses this update's counts; nothing is ever counted twice.
        await self._guard.commit()
        self.finished = True
        if not writes:
            return
        try:
            conn = await self._conn.execution_options(isolation_level="AUTOCOMMIT")
            for statement, params in writes:
                await conn.execute(statement, params)
        except SQLAlchemyError:
            log.exception("update %d: its bookkeeping was not written", self.update_id)


class UpdateGuard:
    """Claims an update for the duration of its handling; see the module's docstring."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        # A pool of its own: guard transactions stay open while handlers use the main pool,
        # and sharing one pool could leave every connection held by a guard waiting for one.
        self._guard_engine = (
            create_async_engine(
                engine.url,
                pool_size=PG_GUARD_CONNECTIONS,
                max_overflow=0,
                pool_pre_ping=True,
                hide_parameters=True,
                connect_args={"server_settings": {"lock_timeout": LOCK_TIMEOUT}},
            )
            if self.postgres
            else None
        )
        # SQLite: the repeat check is a plain read. The main engine opens every transaction
        # with BEGIN IMMEDIATE (the write lock), which would queue this read behind writers.
        # (An in-memory database exists only on its own engine's connection: read it there.)
        in_memory = engine.url.database in (None, "", ":memory:")
        self._reader = (
            None
            if self.postgres
            else engine
            if in_memory
            else create_async_engine(engine.url, isolation_level="AUTOCOMMIT", hide_parameters=True)
        )
        self._in_flight: set[int] = set()
        # SQLite: no update_id above this was ever recorded (None: not read yet).
        self._highest: int | None = None

    def concurrency(self, default: int) -> int:
        """Updates an instance should handle at once: one per guard connection on PostgreSQL."""
        return min(default, PG_GUARD_CONNECTIONS) if self.postgres else default

    @contextlib.asynccontextmanager
    async def hold(self, update_id: int, chat_id: int | None) -> AsyncIterator[Claim | None]:
        """Yields a Claim when this update is to be handled here, None for a repeat."""
        if self._guard_engine is not None:
            # Not `conn.begin()` as a context: the claim's counters follow its commit on
            # this connection, which SQLAlchemy refuses inside that context.
            async with self._guard_engine.connect() as conn:
                transaction = await conn.begin()
                if chat_id is None:
                    claimed = await conn.scalar(_CLAIM, {"update_id": update_id})
                else:
                    claimed = await conn.scalar(
                        _CLAIM_WITH_CHAT_LOCK,
                        {
                            "space": CHAT_LOCK_SPACE,
                            "chat": chat_lock_key(chat_id),
                            "update_id": update_id,
                        },
                    )
                # The claim's finish commits (handled; leaving the block would too) or, on an
                # exception, closing the connection rolls back (a redelivery will be handled).
                yield None if claimed is None else _PostgresClaim(update_id, conn, transaction)
                if transaction.is_active:
                    await transaction.commit()
            return
        async with self._hold_sqlite(update_id) as claim:
            yield claim

    @contextlib.asynccontextmanager
    async def _hold_sqlite(self, update_id: int) -> AsyncIterator[Claim | None]:
        if update_id in self._in_flight:
            # A copy is being handled right now; if that one fails, Telegram retries it.
            yield None
            return
        self._in_flight.add(update_id)
        try:
            if self._highest is None:
                self._highest = await self._read(select(func.max(ProcessedUpdate.update_id))) or 0
            if update_id > self._highest:
                self._highest = update_id  # claimed: a copy of it is looked up from now on
            elif await self._read(select(exists().where(ProcessedUpdate.update_id == update_id))):
                yield None
                return
            claim = _SqliteClaim(update_id, self.engine)
            yield claim
            # Normally the application finished it, with the update's bookkeeping.
            await claim.finish(())
        finally:
            self._in_flight.discard(update_id)

    async def _read(self, query: Executable) -> Any:
        assert self._reader is not None
        async with self._reader.connect() as conn:
            return await conn.scalar(query)

    async def purge(self) -> int:
        """Forget update ids older than the retention."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                delete(ProcessedUpdate).where(ProcessedUpdate.seen_at < utcnow() - RETENTION)
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def close(self) -> None:
        for engine in (self._guard_engine, self._reader):
            if engine is not None and engine is not self.engine:
                await engine.dispose()


class GuardedUpdateProcessor(PerChatUpdateProcessor):
    """The per-chat order of the base class, then a slot, the guard, and the metrics.

    The chat's turn comes before a slot is taken, so one chat's backlog (a flood) waits
    without holding the slots other users' updates need. PTB's own semaphore would be taken
    first (its process_update is final), so it is made wide enough never to wait, and the
    real limit is ours.
    """

    def __init__(self, max_concurrent_updates: int, guard: UpdateGuard, metrics: Metrics) -> None:
        super().__init__(_UNLIMITED)
        self.guard = guard
        self.metrics = metrics
        self.limit = max_concurrent_updates
        self._slots = asyncio.BoundedSemaphore(max_concurrent_updates)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await super().do_process_update(update, self._in_slot(update, coroutine))

    async def _in_slot(self, update: object, coroutine: Awaitable[Any]) -> None:
        async with self._slots:
            await self._guarded(update, coroutine)

    async def _guarded(self, update: object, coroutine: Awaitable[Any]) -> None:
        kind = update_type(update)
        self.metrics.updates.labels(kind).inc()
        if not isinstance(update, Update):
            with self.metrics.timed(kind):
                await coroutine
            return
        started = False
        try:
            async with self.guard.hold(update.update_id, chat_key(update)) as claim:
                if claim is None:
                    self.metrics.dropped.labels("duplicate").inc()
                    log.info("update %d was already handled; dropped", update.update_id)
                    return
                started = True
                # The application finishes the claim once the handlers are done.
                token = enter_claim(claim)
                try:
                    with self.metrics.timed(kind):
                        await coroutine
                finally:
                    leave_claim(token)
        finally:
            if not started and asyncio.iscoroutine(coroutine):
                coroutine.close()  # never run: close it so it is not reported as never awaited
