"""Forget what is past its retention, every few minutes, on the leader instance.

The shared state: processed update ids (Telegram stops redelivering after a day), idle flood
counters, dialog steps long expired, button flows past their expiry, the CLI's messages a
week after they went out, the send allowances of groups idle for an hour. Then each feature's own
purges (`Feature.housekeeping`): old unmatched questions, lapsed phone verifications. One
instance is enough: each purge is an indexed DELETE, and running it everywhere would only repeat
the same work.
"""

from __future__ import annotations

import logging

from bot.db import dialogs, flows
from bot.ops import budget, flood, outbox
from bot.ops.cancellation import reraise_if_cancelled
from bot.ops.jobs import Hook, leader_job
from bot.ops.updates import UpdateGuard
from bot.runtime import Deps, EsignApplication, Purge

log = logging.getLogger(__name__)

INTERVAL = 600.0
# Not at the very start: a restart loop should not begin with a burst of deletes.
FIRST_DELAY = 30.0


class Housekeeping:
    def __init__(self, deps: Deps, guard: UpdateGuard) -> None:
        self.deps = deps
        self.guard = guard

    def purges(self) -> list[tuple[str, Purge]]:
        own: list[tuple[str, Purge]] = [
            ("update ids", self._update_ids),
            ("flood counters", self._flood_counters),
            ("dialog steps", self._dialog_steps),
            ("button flows", self._button_flows),
            ("outbox", outbox.purge_sent),
            ("group allowances", budget.purge_idle_groups),
        ]
        features = [
            (f"{feature.name}.{getattr(purge, '__name__', 'purge')}", purge)
            for feature in self.deps.features
            for purge in feature.background.housekeeping
        ]
        return own + features

    async def run_once(self) -> dict[str, int]:
        """Every purge once; one that fails is logged and the others still run."""
        removed: dict[str, int] = {}
        for name, purge in self.purges():
            try:
                removed[name] = await purge(self.deps)
            except Exception:  # retried at the next run; never fatal
                reraise_if_cancelled()
                log.exception("housekeeping: purging %s failed", name)
        return removed

    def hooks(self) -> tuple[Hook, Hook]:
        """Start/stop hooks of the leader-only job (timings read here, so tests can shorten
        them)."""

        async def run(_: EsignApplication) -> int:
            return sum((await self.run_once()).values())

        return leader_job(
            "housekeeping", run, interval=INTERVAL, first_delay=FIRST_DELAY, done_word="purged"
        )

    async def _update_ids(self, _: Deps) -> int:
        return await self.guard.purge()

    async def _flood_counters(self, deps: Deps) -> int:
        async with deps.sessionmaker() as session:
            return await deps.get(flood.FloodCounts).purge(session)

    async def _dialog_steps(self, deps: Deps) -> int:
        async with deps.sessionmaker() as session:
            return await dialogs.purge_expired(session)

    async def _button_flows(self, deps: Deps) -> int:
        async with deps.sessionmaker() as session:
            return await flows.purge_expired(session)
