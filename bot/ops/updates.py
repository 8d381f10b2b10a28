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
and the in-process per-chat lock does the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, exists, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from telegram import Update

from bot.db.base import utcnow
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


def chat_lock_key(chat_id: int) -> int:
    """A signed 32-bit key for the chat; a rare collision only serialises two chats."""
    digest = hashlib.blake2b(chat_id.to_bytes(8, "big", signed=True), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


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

    def concurrency(self, default: int) -> int:
        """Updates an instance should handle at once: one per guard connection on PostgreSQL."""
        return min(default, PG_GUARD_CONNECTIONS) if self.postgres else default

    @contextlib.asynccontextmanager
    async def hold(self, update_id: int, chat_id: int | None) -> AsyncIterator[bool]:
        """Yields True when this update is to be handled here, False for a repeat."""
        if self._guard_engine is not None:
            async with self._guard_engine.connect() as conn, conn.begin():
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
                # Leaving the block commits (handled) or, on an exception, rolls back
                # (not handled: a redelivery will be handled).
                yield claimed is not None
            return
        async with self._hold_sqlite(update_id) as fresh:
            yield fresh

    @contextlib.asynccontextmanager
    async def _hold_sqlite(self, update_id: int) -> AsyncIterator[bool]:
        if update_id in self._in_flight:
            # A copy is being handled right now; if that one fails, Telegram retries it.
            yield False
            return
        self._in_flight.add(update_id)
        try:
            assert self._reader is not None
            async with self._reader.connect() as conn:
                seen = await conn.scalar(
                    select(exists().where(ProcessedUpdate.update_id == update_id))
                )
            if seen:
                yield False
                return
            yield True
            async with self.engine.begin() as conn:
                await conn.execute(
                    sqlite.insert(ProcessedUpdate)
                    .values(update_id=update_id, seen_at=utcnow())
                    .on_conflict_do_nothing()
                )
        finally:
            self._in_flight.discard(update_id)

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
            async with self.guard.hold(update.update_id, chat_key(update)) as fresh:
                if not fresh:
                    self.metrics.dropped.labels("duplicate").inc()
                    log.info("update %d was already handled; dropped", update.update_id)
                    return
                started = True
                with self.metrics.timed(kind):
                    await coroutine
        finally:
            if not started and asyncio.iscoroutine(coroutine):
                coroutine.close()  # never run: close it so it is not reported as never awaited
