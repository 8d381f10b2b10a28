"""The figures behind the charts, gathered from each feature's published counts."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcasts import figures as broadcasts
from bot.groups import figures as groups
from bot.guidance import figures as guidance
from bot.ops.clock import kz_day
from bot.revocations import figures as revocations

QUESTION_DAYS = 28
WEEKS = 12
SUBSCRIBER_DAYS = 84
CAMPAIGNS = 8


@dataclass(frozen=True)
class Figures:
    day: date  # the last day counted (today in Astana)
    guidance: guidance.GuidanceFigures
    revocations: revocations.RevocationFigures
    broadcasts: broadcasts.BroadcastFigures
    guard: groups.GuardFigures


async def collect(session: AsyncSession, now: datetime) -> Figures:
    today = kz_day(now)
    return Figures(
        day=today,
        guidance=await guidance.collect(
            session, today, QUESTION_DAYS, votes_since=now - timedelta(days=QUESTION_DAYS)
        ),
        revocations=await revocations.collect(session, today, WEEKS),
        broadcasts=await broadcasts.collect(session, today, SUBSCRIBER_DAYS, CAMPAIGNS),
        guard=await groups.collect(session, today, WEEKS),
    )


@dataclass(frozen=True)
class KeyFigures:
    """The few numbers of the caption."""

    questions: int
    unanswered_share: float | None  # 0..1
    votes: int
    helpful_share: float | None
    shared: int
    open_requests: int
    median_hours: float | None
    last_sent: int | None
    last_total: int | None
    subscribers: int
    catches_this_week: int


def key_figures(f: Figures) -> KeyFigures:
    questions = f.guidance.questions
    yes = sum(v[0] for v in f.guidance.votes.values())
    votes = yes + sum(v[1] for v in f.guidance.votes.values())
    last = f.broadcasts.campaigns[-1] if f.broadcasts.campaigns else None
    return KeyFigures(
        questions=questions,
        unanswered_share=sum(f.guidance.unmatched) / questions if questions else None,
        votes=votes,
        helpful_share=yes / votes if votes else None,
        shared=sum(f.guidance.shared.values()),
        open_requests=f.revocations.open_now,
        median_hours=f.revocations.median_hours_all,
        last_sent=last.sent if last else None,
        last_total=(last.sent + last.blocked + last.failed + last.waiting) if last else None,
        subscribers=f.broadcasts.active_now,
        catches_this_week=sum(series[-1] for series in f.guard.caught.values() if series),
    )


def to_json(f: Figures) -> dict[str, Any]:
    """Everything the charts show, plus the key figures, as JSON-ready values."""
    data = _plain(dataclasses.asdict(f))
    data["key_figures"] = _plain(dataclasses.asdict(key_figures(f)))
    assert isinstance(data, dict)
    return data


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
