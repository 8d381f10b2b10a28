"""What /metrics shows of the password workers: restarts, and whether the pool is broken."""

from __future__ import annotations

from bot.ops.metrics import Metrics
from bot.passwords.pool import CheckPool
from bot.runtime import Deps


async def password_pool(deps: Deps, metrics: Metrics) -> None:
    pool = deps.services.get(CheckPool)
    if not isinstance(pool, CheckPool):
        return
    # The pool counts its own restarts; the counter catches up with it at each scrape.
    if pool.restarts > metrics.password_restarts_seen:
        metrics.password_restarts.inc(pool.restarts - metrics.password_restarts_seen)
        metrics.password_restarts_seen = pool.restarts
    metrics.password_pool_broken.set(1 if pool.broken else 0)
