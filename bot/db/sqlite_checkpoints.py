"""SQLite's checkpoints, off the event loop, and never long after a commit.

In WAL mode every commit appends to the -wal file, and a checkpoint copies those pages back
into the database file and syncs the log and the file to disk. SQLite's default is to
checkpoint inside the commit that takes the log past 1,000 pages. With our driver that commit
may run in the event loop's thread (bot/db/sqlite_driver.py, `on_the_loop`), where two fsyncs
would hold every chat's updates for as long as the disk takes; in the driver's thread it held
the write lock meanwhile, so every writer waited anyway.

So the engine's connections checkpoint nothing themselves (`PRAGMA wal_autocheckpoint=0`,
bot/db/engine.py) and this runs a PASSIVE checkpoint in a worker thread, on a connection of
its own opened for it, after every `EVERY` transactions, and at the latest `WITHIN` seconds
after a transaction: with `synchronous=NORMAL` a commit is not synced by itself, and a power
cut loses what no checkpoint has synced yet, so that is at most a few seconds of work (with
SQLite's default it could be a thousand pages' worth, however old). PASSIVE waits for no
reader or writer: transactions go on while it copies. Closing the last connection to the file
checkpoints what is left, as SQLite always does.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from typing import Any

log = logging.getLogger(__name__)

# An update makes two small transactions of a few pages each: a few hundred pages between
# checkpoints, under SQLite's default of 1,000.
EVERY = 100
WITHIN = 5.0  # seconds from a commit to the checkpoint that syncs it, at the latest

_Outcome = tuple[int, int, int]  # PRAGMA wal_checkpoint: busy, frames in the log, frames copied


class Checkpointer:
    def __init__(self, every: int = EVERY, within: float = WITHIN) -> None:
        self.every = every
        self.within = within
        self._since = 0  # transactions since the last checkpoint began
        self._connect: tuple[tuple[Any, ...], dict[str, Any]] | None = None
        # What runs or waits belongs to one event loop; an engine may outlive a test's loop.
        self._loop: asyncio.AbstractEventLoop | None = None
        self._running: asyncio.Future[_Outcome] | None = None
        self._timer: asyncio.TimerHandle | None = None
        # Checkpoints run, and the last one's outcome.
        self.done = 0
        self.last: _Outcome | None = None

    @property
    def running(self) -> bool:
        return self._running is not None

    async def finished(self) -> None:
        """Wait for the checkpoint under way, if there is one."""
        if self._running is not None:
            await asyncio.wait([self._running])

    def database(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        """How the engine's connections open the file (the first one tells)."""
        if self._connect is None and args and args[0] not in (":memory:", ""):
            self._connect = args, {**kwargs, "check_same_thread": False}

    def transaction_ended(self) -> None:
        """Called in the event loop's thread after each write transaction."""
        self._since += 1
        if self._connect is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a synchronous caller): the next transaction will do
            return
        if loop is not self._loop:  # a new loop: what the old one held will never finish
            self._loop, self._running, self._timer = loop, None, None
        if self._running is None:  # else counted; `_finished` looks again
            self._schedule()

    def _schedule(self) -> None:
        """Start a checkpoint now if enough transactions wait, else at the latest `within`."""
        if self._since >= self.every:
            self._start()
        elif self._since and self._timer is None and self._loop is not None:
            self._timer = self._loop.call_later(self.within, self._start)

    def _start(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._running is not None or not self._since or self._connect is None:
            return
        loop = self._loop
        assert loop is not None
        self._since = 0
        self._running = loop.run_in_executor(None, self._checkpoint, self._connect)
        self._running.add_done_callback(self._finished)

    def _finished(self, future: asyncio.Future[_Outcome]) -> None:
        if future is not self._running:
            return  # from a loop left behind
        self._running = None
        if not future.cancelled():
            if future.exception() is not None:
                log.warning("SQLite checkpoint failed: %s", future.exception())
            else:
                self.done += 1
                self.last = future.result()
        self._schedule()  # for the transactions committed while it ran

    @staticmethod
    def _checkpoint(connect: tuple[tuple[Any, ...], dict[str, Any]]) -> _Outcome:
        args, kwargs = connect
        conn = sqlite3.connect(*args, **kwargs)
        try:
            busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        finally:
            conn.close()
        return busy, frames, copied
