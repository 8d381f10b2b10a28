"""A year of activity in the database, in bulk: what the charts read, for tests and benchmarks.

Only the tables the charts read get rows, in the proportions a year of a busy bot might give:
questions every day, votes, revocation requests with decisions, a campaign a month to every
subscriber, and work-chat catches.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.broadcasts.models import Campaign, Delivery, Subscriber, SubscriberCount
from bot.groups.models import GuardCatch
from bot.guidance.models import AnswerVote, DailyCount
from bot.ops.clock import kz_day
from bot.revocations.models import RevocationRequest
from bot.signatures.models import Certificate
from tests.insights.samples import TOPICS

BATCH = 20_000


@dataclass(frozen=True)
class Seeded:
    users: int
    votes: int
    requests: int
    deliveries: int
    catches: int


async def _bulk(engine: AsyncEngine, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    async with engine.begin() as conn:
        for start in range(0, len(rows), BATCH):
            await conn.execute(insert(table), list(rows[start : start + BATCH]))


async def seed_year(
    engine: AsyncEngine,
    *,
    users: int,
    now: datetime,
    days: int = 365,
    campaigns: int = 12,
    seed: int = 18,
) -> Seeded:
    rng = random.Random(seed)
    start = now - timedelta(days=days)

    def moment() -> datetime:
        return start + timedelta(seconds=rng.uniform(0, days * 86_400 - 60))

    # Questions: about one a user a month, spread over the topics; a tenth unanswered.
    per_day = max(1, users // 30)
    daily: list[dict[str, Any]] = []
    for offset in range(days + 1):
        day = kz_day(start + timedelta(days=offset))
        for i, topic in enumerate(TOPICS):
            daily.append(
                {"day": day, "kind": "answered", "topic": topic, "count": per_day // (i + 2)}
            )
        daily.append({"day": day, "kind": "unmatched", "topic": "", "count": per_day // 10})
        daily.append({"day": day, "kind": "shared", "topic": TOPICS[0], "count": per_day // 50})
    await _bulk(engine, DailyCount.__table__, daily)

    votes = [
        {
            "chat_id": 1_000_000 + i % users,
            "message_id": i,
            "topic": TOPICS[i % len(TOPICS)],
            "lang": "ru",
            "helpful": rng.random() < 0.8,
            "at": moment(),
        }
        for i in range(users)
    ]
    await _bulk(engine, AnswerVote.__table__, votes)

    requests = max(1, users // 20)
    certificates = [
        {
            "id": i + 1,
            "serial_number": f"S{i:08d}",
            "iin": "061211600012",
            "full_name": "TEST",
            "phone_hash": f"{i:064d}",
            "key_type": "sign",
            "valid_from": date(2026, 1, 1),
            "valid_to": date(2027, 1, 1),
            "status": "valid",
            "updated_at": now,
        }
        for i in range(requests)
    ]
    await _bulk(engine, Certificate.__table__, certificates)
    filed = []
    for i in range(requests):
        created = moment()
        decided = created + timedelta(hours=rng.uniform(0.5, 72))
        status = "open" if decided > now else rng.choice(("approved", "approved", "rejected"))
        filed.append(
            {
                "reference": f"REV-{i:06d}",
                "certificate_id": i + 1,
                "requester_id": 1_000_000 + i,
                "reason": "lost",
                "status": status,
                "created_at": created,
                "decided_at": None if status == "open" else decided,
            }
        )
    await _bulk(engine, RevocationRequest.__table__, filed)

    subscribers = [
        {
            "chat_id": 1_000_000 + i,
            "chat_type": "private",
            "status": "active" if rng.random() < 0.93 else "blocked",
            "language": "ru",
            "subscribed_at": moment(),
            "updated_at": now,
        }
        for i in range(users)
    ]
    await _bulk(engine, Subscriber.__table__, subscribers)
    counts = [
        {"day": kz_day(start + timedelta(days=d)), "active": int(users * (0.5 + 0.45 * d / days))}
        for d in range(days)
    ]
    await _bulk(engine, SubscriberCount.__table__, counts)

    deliveries = 0
    for c in range(campaigns):
        started = start + timedelta(days=(c + 1) * days / (campaigns + 1))
        async with engine.begin() as conn:
            campaign_id = (
                await conn.execute(
                    insert(Campaign.__table__)
                    .values(
                        state="done",
                        texts={"kk": "x", "ru": "x", "en": "x"},
                        created_at=started,
                        started_at=started,
                        total=users,
                        report_lang="en",
                    )
                    .returning(Campaign.__table__.c.id)
                )
            ).scalar_one()
        rows = []
        for i in range(users):
            roll = rng.random()
            state = "sent" if roll < 0.95 else "blocked" if roll < 0.99 else "failed"
            rows.append(
                {"campaign_id": campaign_id, "chat_id": 1_000_000 + i, "lang": "ru", "state": state}
            )
        await _bulk(engine, Delivery.__table__, rows)
        deliveries += len(rows)

    catches = [
        {
            "chat_id": -100 - i % 500,
            "kind": "container" if rng.random() < 0.6 else "credentials",
            "deleted": True,
            "warned": True,
            "caught_at": moment(),
        }
        for i in range(max(1, users // 5))
    ]
    await _bulk(engine, GuardCatch.__table__, catches)
    return Seeded(users, len(votes), requests, deliveries, len(catches))


NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)  # a Monday, 11:00 in Astana
