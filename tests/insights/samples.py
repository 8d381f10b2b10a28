"""Figures for chart tests: nothing at all, one day of activity, and a busy full period."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from bot.broadcasts.figures import BroadcastFigures, CampaignReach
from bot.groups.figures import GuardFigures
from bot.guidance.figures import GuidanceFigures
from bot.insights.figures import (
    CAMPAIGNS,
    QUESTION_DAYS,
    SUBSCRIBER_DAYS,
    WEEKS,
    Figures,
)
from bot.ops.periods import days_ending, weeks_ending
from bot.revocations.figures import RevocationFigures

TODAY = date(2026, 12, 7)
TOPICS = (
    "transfer-risks",
    "lost-key",
    "fraud-schemes",
    "password-safety",
    "revocation",
    "employee-left",
    "status-expiry",
    "safe-storage",
    "liability",
    "remote-issuance",
    "what-is-esignature",
)


def empty(today: date = TODAY) -> Figures:
    days = days_ending(today, QUESTION_DAYS)
    weeks = weeks_ending(today, WEEKS)
    return Figures(
        day=today,
        guidance=GuidanceFigures(days, {}, [0] * len(days)),
        revocations=RevocationFigures(
            weeks,
            {s: [0] * WEEKS for s in ("open", "approved", "rejected")},
            [None] * WEEKS,
            None,
            0,
        ),
        broadcasts=BroadcastFigures(
            [], days_ending(today, SUBSCRIBER_DAYS), [None] * SUBSCRIBER_DAYS, 0
        ),
        guard=GuardFigures(weeks, {"container": [0] * WEEKS, "credentials": [0] * WEEKS}),
    )


def _last_only(length: int, value: int) -> list[int]:
    return [0] * (length - 1) + [value]


def one_day(today: date = TODAY) -> Figures:
    base = empty(today)
    days = base.guidance.days
    return Figures(
        day=today,
        guidance=GuidanceFigures(
            days,
            {"transfer-risks": _last_only(len(days), 3), "lost-key": _last_only(len(days), 1)},
            _last_only(len(days), 1),
            {"transfer-risks": 2},
            {"transfer-risks": (2, 1)},
        ),
        revocations=RevocationFigures(
            base.revocations.weeks,
            {
                "open": _last_only(WEEKS, 1),
                "approved": _last_only(WEEKS, 1),
                "rejected": [0] * WEEKS,
            },
            [None] * (WEEKS - 1) + [2.5],
            2.5,
            1,
        ),
        broadcasts=BroadcastFigures(
            [CampaignReach(1, datetime(2026, 12, 7, 6, tzinfo=UTC), 40, 2, 1, 0)],
            base.broadcasts.days,
            [None] * (SUBSCRIBER_DAYS - 1) + [43],
            43,
        ),
        guard=GuardFigures(
            base.guard.weeks,
            {"container": _last_only(WEEKS, 2), "credentials": _last_only(WEEKS, 1)},
        ),
    )


def busy(today: date = TODAY, seed: int = 18) -> Figures:
    """Every window full, every topic asked, eight campaigns: what a year in gives."""
    rng = random.Random(seed)
    base = empty(today)
    days = base.guidance.days
    answered = {t: [rng.randint(0, 400 // (i + 1)) for _ in days] for i, t in enumerate(TOPICS)}
    subscribers, level = [], 80_000
    for _ in range(SUBSCRIBER_DAYS):
        level += rng.randint(-50, 250)
        subscribers.append(level)
    campaigns = [
        CampaignReach(
            100 + i,
            datetime(2026, 12, 7, tzinfo=UTC) - timedelta(days=7 * (CAMPAIGNS - i)),
            sent=rng.randint(75_000, 90_000),
            blocked=rng.randint(1_000, 4_000),
            failed=rng.randint(0, 300),
            waiting=0 if i < CAMPAIGNS - 1 else 5_000,
        )
        for i in range(CAMPAIGNS)
    ]
    return Figures(
        day=today,
        guidance=GuidanceFigures(
            days,
            answered,
            [rng.randint(10, 60) for _ in days],
            {t: rng.randint(0, 300) for t in TOPICS},
            {t: (rng.randint(50, 900), rng.randint(5, 200)) for t in TOPICS},
        ),
        revocations=RevocationFigures(
            base.revocations.weeks,
            {
                "open": [0] * (WEEKS - 2) + [12, 30],
                "approved": [rng.randint(50, 120) for _ in range(WEEKS)],
                "rejected": [rng.randint(2, 20) for _ in range(WEEKS)],
            },
            [round(rng.uniform(3, 40), 1) for _ in range(WEEKS)],
            17.5,
            42,
        ),
        broadcasts=BroadcastFigures(campaigns, base.broadcasts.days, subscribers, level),
        guard=GuardFigures(
            base.guard.weeks,
            {
                "container": [rng.randint(0, 60) for _ in range(WEEKS)],
                "credentials": [rng.randint(0, 30) for _ in range(WEEKS)],
            },
        ),
    )
