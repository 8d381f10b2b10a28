"""The dispatcher's database work: claim deliveries, settle them, finish campaigns.

Every method is one short transaction in a session of its own; none is held across a call to
Telegram.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcasts import campaigns
from bot.broadcasts.models import (
    Campaign,
    CampaignState,
    Delivery,
    DeliveryState,
    Subscriber,
    SubscriberStatus,
)
from bot.db.base import utcnow


@dataclass(frozen=True)
class Claimed:
    id: int
    chat_id: int
    lang: str
    attempts: int


@dataclass(frozen=True)
class Outcome:
    delivery_id: int
    chat_id: int
    state: str  # a final DeliveryState, or PENDING for a retry later
    attempts: int
    next_attempt_at: datetime | None = None
    error: str | None = None
    migrated_to: int | None = None  # the group became a supergroup with this id


@dataclass(frozen=True)
class CampaignInfo:
    id: int
    state: str
    texts: dict[str, str]
    total: int
    report_chat_id: int | None
    report_lang: str
    progress_message_id: int | None
    started_at: datetime | None
    finished_at: datetime | None


_UNFINISHED = (DeliveryState.PENDING, DeliveryState.SENDING)


class Store:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    async def recover(self) -> int:
        """After a crash or a change of leader: claimed, unsettled deliveries are due again.

        Only the leader sends, so whatever is still "sending" when a leader starts was left by
        one that died; those are sent again (the only possible duplicates).
        """
        async with self._sessionmaker() as session, session.begin():
            result = await session.execute(
                update(Delivery)
                .where(Delivery.state == DeliveryState.SENDING)
                .values(state=DeliveryState.PENDING)
            )
            cancelled = select(Campaign.id).where(Campaign.state == CampaignState.CANCELLED)
            await session.execute(
                update(Delivery)
                .where(
                    Delivery.state == DeliveryState.PENDING,
                    Delivery.campaign_id.in_(cancelled.scalar_subquery()),
                )
                .values(state=DeliveryState.CANCELLED)
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def reclaim_orphans(self, campaign_id: int) -> int:
        """A campaign's "sending" rows that no send in this process owns: due again."""
        async with self._sessionmaker() as session, session.begin():
            result = await session.execute(
                update(Delivery)
                .where(
                    Delivery.campaign_id == campaign_id,
                    Delivery.state == DeliveryState.SENDING,
                )
                .values(state=DeliveryState.PENDING)
                .execution_options(synchronize_session=False)
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def next_running(self) -> CampaignInfo | None:
        async with self._sessionmaker() as session, session.begin():
            campaign = await session.scalar(
                select(Campaign)
                .where(Campaign.state == CampaignState.RUNNING)
                .order_by(Campaign.id)
                .limit(1)
            )
            return _info(campaign) if campaign else None

    async def campaign(self, campaign_id: int) -> CampaignInfo | None:
        async with self._sessionmaker() as session, session.begin():
            campaign = await session.get(Campaign, campaign_id)
            return _info(campaign) if campaign else None

    async def state_of(self, campaign_id: int) -> str | None:
        async with self._sessionmaker() as session, session.begin():
            return await session.scalar(select(Campaign.state).where(Campaign.id == campaign_id))

    async def claim(self, campaign_id: int, limit: int) -> list[Claimed]:
        """Take up to `limit` due deliveries; on PostgreSQL rows others hold are skipped."""
        now = utcnow()
        due = (
            select(Delivery.id)
            .where(
                Delivery.campaign_id == campaign_id,
                Delivery.state == DeliveryState.PENDING,
                or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
            )
            .order_by(Delivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        stmt = (
            update(Delivery)
            .where(Delivery.id.in_(due.scalar_subquery()))
            .values(state=DeliveryState.SENDING)
            .returning(Delivery.id, Delivery.chat_id, Delivery.lang, Delivery.attempts)
            .execution_options(synchronize_session=False)
        )
        async with self._sessionmaker() as session, session.begin():
            rows = (await session.execute(stmt)).all()
        return sorted((Claimed(*row) for row in rows), key=lambda c: c.id)

    async def release(self, delivery_ids: Sequence[int]) -> None:
        """Claimed but not sent (a pause, a stop): due again, or cancelled with the campaign."""
        if not delivery_ids:
            return
        async with self._sessionmaker() as session, session.begin():
            await session.execute(
                update(Delivery)
                .where(Delivery.id.in_(delivery_ids), Delivery.state == DeliveryState.SENDING)
                .values(state=DeliveryState.PENDING)
                .execution_options(synchronize_session=False)
            )
            cancelled = select(Campaign.id).where(Campaign.state == CampaignState.CANCELLED)
            await session.execute(
                update(Delivery)
                .where(
                    Delivery.id.in_(delivery_ids),
                    Delivery.state == DeliveryState.PENDING,
                    Delivery.campaign_id.in_(cancelled.scalar_subquery()),
                )
                .values(state=DeliveryState.CANCELLED)
                .execution_options(synchronize_session=False)
            )

    async def record(self, outcomes: Sequence[Outcome]) -> None:
        """Settle deliveries (one transaction for the group) and update the subscribers."""
        if not outcomes:
            return
        rows: list[dict[str, Any]] = [
            {
                "id": o.delivery_id,
                "state": o.state,
                "attempts": o.attempts,
                "next_attempt_at": o.next_attempt_at,
                "error": o.error[:200] if o.error else None,
            }
            for o in outcomes
        ]
        unreachable = {
            status: [o.chat_id for o in outcomes if o.state == state]
            for state, status in (
                (DeliveryState.BLOCKED, SubscriberStatus.BLOCKED),
                (DeliveryState.LEFT, SubscriberStatus.LEFT),
            )
        }
        async with self._sessionmaker() as session, session.begin():
            await session.execute(update(Delivery), rows)
            now = utcnow()
            for status, chat_ids in unreachable.items():
                if chat_ids:
                    await session.execute(
                        update(Subscriber)
                        .where(
                            Subscriber.chat_id.in_(chat_ids),
                            Subscriber.status == SubscriberStatus.ACTIVE,
                        )
                        .values(status=status, updated_at=now)
                        .execution_options(synchronize_session=False)
                    )
            for o in outcomes:
                if o.migrated_to is not None:
                    await _migrate_subscriber(session, o.chat_id, o.migrated_to)

    async def next_retry_at(self, campaign_id: int) -> datetime | None:
        """When the earliest delivery waiting for a retry is due; None when none waits."""
        async with self._sessionmaker() as session, session.begin():
            waiting, timed, earliest = (
                await session.execute(
                    select(
                        func.count(),
                        func.count(Delivery.next_attempt_at),
                        func.min(Delivery.next_attempt_at),
                    ).where(
                        Delivery.campaign_id == campaign_id,
                        Delivery.state == DeliveryState.PENDING,
                    )
                )
            ).one()
        if not waiting:
            return None
        if waiting > timed or earliest is None:
            return utcnow()
        assert isinstance(earliest, datetime)
        return earliest

    async def finish(self, campaign_id: int) -> bool:
        """A running campaign with nothing left to send is done."""
        unfinished = exists().where(
            and_(Delivery.campaign_id == campaign_id, Delivery.state.in_(_UNFINISHED))
        )
        async with self._sessionmaker() as session, session.begin():
            result = await session.execute(
                update(Campaign)
                .where(
                    Campaign.id == campaign_id,
                    Campaign.state == CampaignState.RUNNING,
                    ~unfinished,
                )
                .values(state=CampaignState.DONE, finished_at=utcnow())
                .execution_options(synchronize_session=False)
            )
        return bool(getattr(result, "rowcount", 0))

    async def summary(self, campaign_id: int) -> campaigns.Summary | None:
        async with self._sessionmaker() as session:
            return await campaigns.summary(session, campaign_id, with_languages=False)

    async def set_progress_message(self, campaign_id: int, message_id: int) -> None:
        async with self._sessionmaker() as session:
            await campaigns.set_progress_message(session, campaign_id, message_id)

    async def unreported(self) -> list[int]:
        """Finished campaigns whose operator has not had the final report yet."""
        async with self._sessionmaker() as session, session.begin():
            ids = await session.scalars(
                select(Campaign.id)
                .where(
                    Campaign.state.in_(CampaignState.FINAL),
                    Campaign.reported_at.is_(None),
                )
                .order_by(Campaign.id)
                .limit(20)
            )
            return list(ids)

    async def mark_reported(self, campaign_id: int) -> None:
        async with self._sessionmaker() as session, session.begin():
            await session.execute(
                update(Campaign)
                .where(Campaign.id == campaign_id, Campaign.reported_at.is_(None))
                .values(reported_at=utcnow())
                .execution_options(synchronize_session=False)
            )


async def _migrate_subscriber(session: AsyncSession, old: int, new: int) -> None:
    taken = await session.scalar(select(Subscriber.chat_id).where(Subscriber.chat_id == new))
    if taken is not None:
        await session.execute(delete(Subscriber).where(Subscriber.chat_id == old))
    else:
        await session.execute(
            update(Subscriber)
            .where(Subscriber.chat_id == old)
            .values(chat_id=new, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )


def _info(campaign: Campaign) -> CampaignInfo:
    return CampaignInfo(
        id=campaign.id,
        state=campaign.state,
        texts=dict(campaign.texts),
        total=campaign.total,
        report_chat_id=campaign.report_chat_id,
        report_lang=campaign.report_lang,
        progress_message_id=campaign.progress_message_id,
        started_at=campaign.started_at,
        finished_at=campaign.finished_at,
    )
