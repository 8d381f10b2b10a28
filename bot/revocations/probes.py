"""What /metrics shows of revocations: how many requests wait for an operator."""

from __future__ import annotations

from bot.ops.metrics import Metrics
from bot.revocations import service
from bot.runtime import Deps


async def open_requests(deps: Deps, metrics: Metrics) -> None:
    async with deps.sessionmaker() as session:
        total, _ = await service.open_requests(session, limit=0)
    metrics.open_requests.set(total)
