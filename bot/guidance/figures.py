"""What guidance contributes to the ministry's charts: daily question counts and votes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.transaction import transaction
from bot.guidance import daily
from bot.guidance.models import AnswerVote
from bot.ops.periods import days_ending


@dataclass(frozen=True)
class GuidanceFigures:
    days: list[date]
    answered: dict[str, list[int]]  # topic → questions it answered, per day
    unmatched: list[int]  # per day
    shared: dict[str, int] = field(default_factory=dict)  # topic → cards shared inline
    votes: dict[str, tuple[int, int]] = field(default_factory=dict)  # topic → (yes, no)

    @property
    def questions(self) -> int:
        return sum(map(sum, self.answered.values())) + sum(self.unmatched)


async def collect(
    session: AsyncSession, last_day: date, days: int, votes_since: datetime
) -> GuidanceFigures:
    period = days_ending(last_day, days)
    slot = {day: i for i, day in enumerate(period)}
    answered: dict[str, list[int]] = {}
    unmatched = [0] * days
    shared: dict[str, int] = {}
    for row in await daily.counts_since(session, period[0]):
        i = slot.get(row.day)
        if i is None:
            continue
        if row.kind == daily.ANSWERED:
            answered.setdefault(row.topic, [0] * days)[i] += row.count
        elif row.kind == daily.UNMATCHED:
            unmatched[i] += row.count
        elif row.kind == daily.SHARED:
            shared[row.topic] = shared.get(row.topic, 0) + row.count
    async with transaction(session):
        rows = await session.execute(
            select(AnswerVote.topic, AnswerVote.helpful, func.count())
            .where(AnswerVote.at >= votes_since)
            .group_by(AnswerVote.topic, AnswerVote.helpful)
        )
        votes: dict[str, tuple[int, int]] = {}
        for topic, helpful, count in rows:
            yes, no = votes.get(topic, (0, 0))
            votes[topic] = (yes + count, no) if helpful else (yes, no + count)
    return GuidanceFigures(period, answered, unmatched, shared, votes)
