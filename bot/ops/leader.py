"""Leader election: one instance runs the background work (broadcasts, scheduled jobs).

On PostgreSQL the leader holds a session-level advisory lock on a connection of its own,
outside the pool. Followers try to take the lock every few seconds; when the leader dies its
connection closes, the lock is released and a follower takes over at its next try. The leader
checks its connection as often, and stops its work the moment it cannot be sure it still holds
the lock (a killed connection, a database that does not answer).

On SQLite there is one instance by design: it is always the leader.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from bot.ops.cancellation import reraise_if_cancelled

log = logging.getLogger(__name__)

Work = Callable[[], Coroutine[Any, Any, None]]

RETRY_INTERVAL = 2.0  # a follower tries to take the lock this often
CHECK_INTERVAL = 2.0  # the leader checks its connection this often
CHECK_TIMEOUT = 5.0  # a check that takes longer than this counts as a lost connection
RESTART_DELAY = 2.0  # work that ended while we lead is started again after this pause
STOP_GRACE = 10.0  # after stop(), how long the work may take to finish before it is cancelled


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for pg_advisory_lock, from the job's name."""
    digest = hashlib.sha256(f"esign-bot:leader:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class Leadership:
    """Run `work` only while this process is the leader for `name`.

    `await leadership.run(work)` returns only when stop() is called (or it is cancelled); while
    this instance leads, `work()` runs, and is cancelled when leadership is lost. A work that
    returns or fails while we still lead is started again, so a transient error does not leave
    the cluster without a worker. After stop(), a work that watches its own stop signal has
    `stop_grace` seconds to finish cleanly before it is cancelled.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        name: str,
        *,
        retry_interval: float = RETRY_INTERVAL,
        check_interval: float = CHECK_INTERVAL,
        check_timeout: float = CHECK_TIMEOUT,
        restart_delay: float = RESTART_DELAY,
        stop_grace: float = STOP_GRACE,
    ) -> None:
        self.name = name
        self.key = lock_key(name)
        self.retry_interval = retry_interval
        self.check_interval = check_interval
        self.check_timeout = check_timeout
        self.restart_delay = restart_delay
        self.stop_grace = stop_grace
        self._postgres = engine.dialect.name == "postgresql"
        # A connection outside the pool: the lock lives exactly as long as it does.
        self._lock_engine: AsyncEngine | None = (
            create_async_engine(engine.url, poolclass=NullPool) if self._postgres else None
        )
        self._conn: AsyncConnection | None = None
        self._stopping = asyncio.Event()
        self.is_leader = False
        self.backend_pid: int | None = None
        self.terms = 0  # how many times this instance became the leader

    def stop(self) -> None:
        self._stopping.set()

    async def close(self) -> None:
        self.stop()
        await self._drop_connection()
        if self._lock_engine is not None:
            await self._lock_engine.dispose()

    async def run(self, work: Work) -> None:
        try:
            while not self._stopping.is_set():
                if not await self._acquire():
                    continue
                self.is_leader = True
                self.terms += 1
                log.info("leader for %s (term %d)", self.name, self.terms)
                try:
                    await self._lead(work)
                finally:
                    self.is_leader = False
                    await self._drop_connection()
                if not self._stopping.is_set():
                    log.warning("no longer the leader for %s", self.name)
                    # The instance whose connection just failed is the likeliest to be in
                    # trouble: the followers get the first try, or it could take the lock back
                    # at once and leave the job on a flapping connection.
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stopping.wait(), self.retry_interval)
        finally:
            self.is_leader = False
            await self._drop_connection()

    # ---- leading -----------------------------------------------------------------------------

    async def _lead(self, work: Work) -> None:
        """Run the work until we stop or lose the lock; restart it if it ends on its own."""
        task: asyncio.Task[None] = asyncio.create_task(work(), name=f"leader-work-{self.name}")
        stopping = asyncio.create_task(self._stopping.wait())
        try:
            while True:
                done, _ = await asyncio.wait(
                    {task, stopping}, timeout=self.check_interval, return_when="FIRST_COMPLETED"
                )
                if stopping in done:
                    # Give the work the chance to finish what it is doing (its owner told it).
                    await asyncio.wait({task}, timeout=self.stop_grace)
                    return
                if task in done:
                    self._log_end(task)
                    await asyncio.sleep(self.restart_delay)
                    if not await self._still_leader():
                        return
                    task = asyncio.create_task(work(), name=f"leader-work-{self.name}")
                    continue
                if not await self._still_leader():
                    return
        finally:
            stopping.cancel()
            if not task.done():
                task.cancel()
            await asyncio.gather(task, stopping, return_exceptions=True)

    def _log_end(self, task: asyncio.Task[None]) -> None:
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            log.error("%s work failed; restarting it", self.name, exc_info=error)

    async def _still_leader(self) -> bool:
        if not self._postgres:
            return True
        conn = self._conn
        if conn is None:
            return False
        try:
            # The lock is tied to the session: if the session answers, we hold it.
            async with asyncio.timeout(self.check_timeout):
                await conn.execute(text("SELECT 1"))
            return True
        except (SQLAlchemyError, OSError, TimeoutError) as exc:
            reraise_if_cancelled()
            log.warning("leader connection for %s lost: %s", self.name, type(exc).__name__)
            return False

    # ---- acquiring ---------------------------------------------------------------------------

    async def _acquire(self) -> bool:
        """True once we hold the lock; False after a failed try (having waited the interval)."""
        if not self._postgres:
            return True
        try:
            async with asyncio.timeout(self.check_timeout):
                conn = await self._connection()
                got = await conn.scalar(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}
                )
            if got:
                return True
        except (SQLAlchemyError, OSError, TimeoutError) as exc:
            reraise_if_cancelled()
            log.warning("cannot reach the database for %s: %s", self.name, type(exc).__name__)
            await self._drop_connection()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), self.retry_interval)
        return False

    async def _connection(self) -> AsyncConnection:
        if self._conn is None:
            assert self._lock_engine is not None
            conn = await self._lock_engine.connect()
            # Autocommit: the lock is session-level, and no transaction stays open for hours.
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            self.backend_pid = await conn.scalar(text("SELECT pg_backend_pid()"))
            self._conn = conn
        return self._conn

    async def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        self.backend_pid = None
        if conn is None:
            return
        # Closing the session releases the lock; a dead connection is simply discarded.
        try:
            async with asyncio.timeout(self.check_timeout):
                await conn.close()
        except (SQLAlchemyError, OSError, TimeoutError):
            with contextlib.suppress(Exception):
                await conn.invalidate()
