"""Forget old update ids and idle flood counters, every few minutes, on every instance.

Not leader-only: each run is an indexed DELETE that finds nothing to do if another instance
just ran it, so running everywhere costs less than holding one more lock connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.ops import flood
from bot.ops.updates import UpdateGuard
from bot.runtime import Deps

log = logging.getLogger(__name__)

INTERVAL = 600.0


class Housekeeping:
    def __init__(self, deps: Deps, guard: UpdateGuard, interval: float = INTERVAL) -> None:
        self.deps = deps
        self.guard = guard
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="ops-housekeeping")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def run_once(self) -> tuple[int, int]:
        updates = await self.guard.purge()
        async with self.deps.sessionmaker() as session:
            counters = await flood.purge(session)
        return updates, counters

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception as exc:  # a missed purge is retried next time; never fatal
                log.warning("housekeeping failed: %s", type(exc).__name__)
            await asyncio.sleep(self.interval)
