"""What broadcasts contribute to the ministry's charts: the reach of the latest campaigns and
the number of subscribers over time. Counts only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcasts.models import (
    Campaign,
    CampaignState,
    Delivery,
    DeliveryState,
    Subscriber,
    SubscriberCount,
    SubscriberStatus,
)
from bot.db.transaction import transaction
from bot.db.upsert import insert_for
from bot.ops.periods import days_ending


@dataclass(frozen=True)
class CampaignReach:
    id: int
    started_at: datetime | None
    sent: int
    blocked: int  # blocked the bot, or the chat is gone
    failed: int
    waiting: int  # not sent (yet): pending, or cancelled with the campaign


@dataclass(frozen=True)
class BroadcastFigures:
    campaigns: list[CampaignReach]  # oldest first
    days: list[date]
    subscribers: list[int | None]  # active subscribers per day; None where not counted
    active_now: int


async def active_subscribers(session: AsyncSession) -> int:
    async with transaction(session):
        count = await session.scalar(
            select(func.count())
            .select_from(Subscriber)
            .where(Subscriber.status == SubscriberStatus.ACTIVE)
        )
    return int(count or 0)


async def record_subscribers(session: AsyncSession, day: date) -> int:
    """Take today's count (again: the last count of the day stands)."""
    active = await active_subscribers(session)
    stmt = insert_for(session, SubscriberCount).values(day=day, active=active)
    stmt = stmt.on_conflict_do_update(index_elements=[SubscriberCount.day], set_={"active": active})
    async with transaction(session):
        await session.execute(stmt)
    return active


async def collect(
    session: AsyncSession, last_day: date, days: int, campaigns: int
) -> BroadcastFigures:
    period = days_ending(last_day, days)
    active_now = await active_subscribers(session)
    async with transaction(session):
        latest = (
            await session.execute(
                select(Campaign.id, Campaign.started_at)
                .where(Campaign.state != CampaignState.DRAFT)
                .order_by(Campaign.id.desc())
                .limit(campaigns)
            )
        ).all()
        counts: dict[int, dict[str, int]] = {cid: {} for cid, _ in latest}
        if latest:
            rows = await session.execute(
                select(Delivery.campaign_id, Delivery.state, func.count())
                .where(Delivery.campaign_id.in_(list(counts)))
                .group_by(Delivery.campaign_id, Delivery.state)
            )
            for campaign_id, state, count in rows:
                counts[campaign_id][state] = int(count)
        snapshots = dict(
            (
                await session.execute(
                    select(SubscriberCount.day, SubscriberCount.active).where(
                        SubscriberCount.day >= period[0]
                    )
                )
            ).all()
        )
    snapshots[last_day] = active_now  # today is always the live figure
    reach = []
    for campaign_id, started_at in reversed(latest):
        c = counts[campaign_id]
        reach.append(
            CampaignReach(
                id=campaign_id,
                started_at=started_at,
                sent=c.get(DeliveryState.SENT, 0),
                blocked=c.get(DeliveryState.BLOCKED, 0) + c.get(DeliveryState.LEFT, 0),
                failed=c.get(DeliveryState.FAILED, 0),
                waiting=sum(
                    c.get(s, 0)
                    for s in (DeliveryState.PENDING, DeliveryState.SENDING, DeliveryState.CANCELLED)
                ),
            )
        )
    return BroadcastFigures(reach, period, [snapshots.get(day) for day in period], active_now)
