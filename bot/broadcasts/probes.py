"""What /metrics shows of warnings: which instance leads, and how far each active one got."""

from __future__ import annotations

from bot.broadcasts import campaigns
from bot.broadcasts.models import CampaignState, DeliveryState
from bot.broadcasts.worker import BroadcastWorker
from bot.ops.metrics import Metrics
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
