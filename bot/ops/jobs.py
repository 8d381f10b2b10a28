"""Periodic jobs that run on the leader instance only, started and stopped with the bot."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from bot.ops.cancellation import reraise_if_cancelled
from bot.ops.leader import Leadership
from bot.runtime import EsignApplication

log = logging.getLogger(__name__)

Hook = Callable[[EsignApplication], Awaitable[None]]


def leader_job(
    name: str,
    run_once: Callable[[EsignApplication], Awaitable[int]],
    *,
    interval: float,
    first_delay: float,
    done_word: str = "sent",
) -> tuple[Hook, Hook]:
    """Start/stop hooks for a Feature: `run_once` every `interval` seconds on the leader.

    The first run waits `first_delay`, so a start (or a restart loop) does not begin with a burst.
    A run that fails is logged and retried at the next interval; leadership moves between
    instances as bot/ops/leader.py decides.
    """
    key = f"leader_job.{name}"

    async def loop(application: EsignApplication) -> None:
        await asyncio.sleep(first_delay)
        while True:
            try:
                done = await run_once(application)
            except Exception:  # a job must outlive one bad run; the error is logged
                reraise_if_cancelled()
                log.exception("%s failed; retrying in %.0f s", name, interval)
            else:
                if done:
                    log.info("%s: %d %s", name, done, done_word)
            await asyncio.sleep(interval)

    async def start(application: EsignApplication) -> None:
        leadership = Leadership(application.deps.engine, name)
        task = asyncio.create_task(leadership.run(lambda: loop(application)), name=key)
        application.bot_data[key] = (leadership, task)

    async def stop(application: EsignApplication) -> None:
        entry = application.bot_data.pop(key, None)
        if entry is None:
            return
        leadership, task = entry
        leadership.stop()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await leadership.close()

    return start, stop
