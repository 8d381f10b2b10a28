"""What /metrics reads from the features at scrape time, through their own functions."""

from __future__ import annotations

from bot.broadcasts import campaigns
from bot.broadcasts.models import CampaignState, DeliveryState
from bot.broadcasts.worker import BroadcastWorker
from bot.ops.metrics import Metrics
from bot.passwords.pool import CheckPool
from bot.revocations import service as revocations
from bot.runtime import Deps

_ACTIVE = (CampaignState.RUNNING, CampaignState.PAUSED)
_DELIVERY_STATES = (
    DeliveryState.PENDING,
    DeliveryState.SENDING,
    *DeliveryState.OUTCOMES,
    DeliveryState.CANCELLED,
)
# Active campaigns are the newest; looking at this many covers any realistic backlog.
_RECENT = 20


async def broadcast_progress(deps: Deps, metrics: Metrics) -> None:
    if not any(feature.name == "broadcasts" for feature in deps.features):
        return
    worker = deps.services.get(BroadcastWorker)
    leading = isinstance(worker, BroadcastWorker) and worker.leadership.is_leader
    metrics.broadcast_leader.set(1 if leading else 0)
    async with deps.sessionmaker() as session:
        recent = await campaigns.recent(session, limit=_RECENT)
    metrics.broadcast_deliveries.clear()
    for summary in recent:
        if summary.state not in _ACTIVE:
            continue
        for state in _DELIVERY_STATES:
            metrics.broadcast_deliveries.labels(str(summary.id), state).set(summary.count(state))


async def open_revocation_requests(deps: Deps, metrics: Metrics) -> None:
    if not any(feature.name == "revocations" for feature in deps.features):
        return
    async with deps.sessionmaker() as session:
        total, _ = await revocations.open_requests(session, limit=0)
    metrics.open_requests.set(total)


async def password_pool(deps: Deps, metrics: Metrics) -> None:
    pool = deps.services.get(CheckPool)
    if not isinstance(pool, CheckPool):
        return
    # The pool counts its own restarts; the counter catches up with it at each scrape.
    if pool.restarts > metrics.password_restarts_seen:
        metrics.password_restarts.inc(pool.restarts - metrics.password_restarts_seen)
        metrics.password_restarts_seen = pool.restarts
    metrics.password_pool_broken.set(1 if pool.broken else 0)


PROBES = (broadcast_progress, open_revocation_requests, password_pool)
