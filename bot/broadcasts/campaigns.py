"""Campaigns: compose, confirm, pause, resume, cancel, and report how far each one got."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcasts.models import Campaign, CampaignState, Delivery, DeliveryState
from bot.broadcasts.subscriptions import active_recipients
from bot.db.base import utcnow
from bot.i18n import LANGS, Lang
from bot.tghtml import MAX_MESSAGE_LENGTH, TelegramHTMLError, check_message, parse, utf16_len


class TextProblem(enum.Enum):
    BAD_HTML = "bad_html"
    EMPTY = "empty"
    TOO_LONG = "too_long"


@dataclass(frozen=True)
class TextCheck:
    problem: TextProblem | None = None
    detail: str = ""  # Telegram's own wording of an HTML error, or the length found
    length: int = 0

    @property
    def ok(self) -> bool:
        return self.problem is None


def check_text(html: str) -> TextCheck:
    """What Telegram would say about this text as a message: valid HTML, not empty, ≤ 4096."""
    try:
        parsed = parse(html)
    except TelegramHTMLError as exc:
        return TextCheck(TextProblem.BAD_HTML, str(exc))
    try:
        check_message(html)
    except TelegramHTMLError:
        if not parsed.text.strip():
            return TextCheck(TextProblem.EMPTY)
        return TextCheck(TextProblem.TOO_LONG, str(parsed.length), parsed.length)
    return TextCheck(length=utf16_len(parsed.text))


MAX_LENGTH = MAX_MESSAGE_LENGTH


def complete_texts(texts: Mapping[str, str]) -> dict[str, str]:
    """One text per language; a text given for "all" fills the languages not given their own."""
    common = texts.get("all")
    result: dict[str, str] = {}
    for lang in LANGS:
        text = texts.get(lang, common)
        if text is None:
            raise ValueError(f"no text for {lang}")
        result[lang] = text
    return result


class Transition(enum.Enum):
    OK = "ok"
    NOT_FOUND = "not_found"
    WRONG_STATE = "wrong_state"


@dataclass(frozen=True)
class TransitionResult:
    outcome: Transition
    state: str | None = None  # the campaign's state after the attempt

    @property
    def ok(self) -> bool:
        return self.outcome is Transition.OK


@dataclass(frozen=True)
class Summary:
    id: int
    state: str
    total: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    counts: dict[str, int] = field(default_factory=dict)
    by_language: dict[str, int] = field(default_factory=dict)

    def count(self, state: str) -> int:
        return self.counts.get(state, 0)

    @property
    def remaining(self) -> int:
        return self.count(DeliveryState.PENDING) + self.count(DeliveryState.SENDING)

    @property
    def settled(self) -> int:
        return sum(self.count(s) for s in DeliveryState.OUTCOMES)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state,
            "total": self.total,
            "sent": self.count(DeliveryState.SENT),
            "failed": self.count(DeliveryState.FAILED),
            "blocked": self.count(DeliveryState.BLOCKED),
            "left": self.count(DeliveryState.LEFT),
            "remaining": self.remaining,
            "cancelled": self.count(DeliveryState.CANCELLED),
            "by_language": self.by_language,
            "created_at": self.created_at.isoformat(),
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
        }


# ---- composing -----------------------------------------------------------------------------


async def create_draft(
    session: AsyncSession,
    texts: Mapping[str, str],
    *,
    created_by: int | None,
    report_chat_id: int | None,
    report_lang: Lang,
) -> int:
    campaign = Campaign(
        state=CampaignState.DRAFT,
        texts=complete_texts(texts),
        created_by=created_by,
        report_chat_id=report_chat_id,
        report_lang=report_lang,
        total=0,
        created_at=utcnow(),
    )
    async with session.begin():
        session.add(campaign)
        await session.flush()
        return campaign.id


async def get(session: AsyncSession, campaign_id: int) -> Campaign | None:
    async with session.begin():
        return await session.get(Campaign, campaign_id, populate_existing=True)


async def discard(session: AsyncSession, campaign_id: int) -> bool:
    async with session.begin():
        result = await session.execute(
            delete(Campaign).where(
                Campaign.id == campaign_id, Campaign.state == CampaignState.DRAFT
            )
        )
    return bool(getattr(result, "rowcount", 0))


async def start(
    session: AsyncSession, campaign_id: int, *, progress_message_id: int | None = None
) -> TransitionResult:
    """Confirm a draft: fill the outbox with one row per active subscriber and let it run."""
    async with session.begin():
        campaign = await session.get(
            Campaign, campaign_id, with_for_update=True, populate_existing=True
        )
        if campaign is None:
            return TransitionResult(Transition.NOT_FOUND)
        if campaign.state != CampaignState.DRAFT:
            return TransitionResult(Transition.WRONG_STATE, campaign.state)
        recipients = active_recipients().subquery()
        await session.execute(
            insert(Delivery).from_select(
                ["campaign_id", "chat_id", "lang", "state", "attempts"],
                select(
                    literal(campaign_id),
                    recipients.c.chat_id,
                    recipients.c.lang,
                    literal(DeliveryState.PENDING),
                    literal(0),
                ),
            )
        )
        total = await session.scalar(
            select(func.count()).where(Delivery.campaign_id == campaign_id)
        )
        campaign.total = int(total or 0)
        campaign.state = CampaignState.RUNNING
        campaign.started_at = utcnow()
        if progress_message_id is not None:
            campaign.progress_message_id = progress_message_id
        return TransitionResult(Transition.OK, campaign.state)


async def set_progress_message(session: AsyncSession, campaign_id: int, message_id: int) -> None:
    async with session.begin():
        await session.execute(
            update(Campaign)
            .where(Campaign.id == campaign_id)
            .values(progress_message_id=message_id)
        )


# ---- operating -----------------------------------------------------------------------------

_MOVES: dict[str, tuple[frozenset[str], str]] = {
    "pause": (frozenset({CampaignState.RUNNING}), CampaignState.PAUSED),
    "resume": (frozenset({CampaignState.PAUSED}), CampaignState.RUNNING),
    "cancel": (frozenset({CampaignState.RUNNING, CampaignState.PAUSED}), CampaignState.CANCELLED),
}
ACTIONS = tuple(_MOVES)


async def transition(session: AsyncSession, campaign_id: int, action: str) -> TransitionResult:
    """pause, resume or cancel; the dispatcher notices within a second and reports."""
    allowed, target = _MOVES[action]
    async with session.begin():
        campaign = await session.get(
            Campaign, campaign_id, with_for_update=True, populate_existing=True
        )
        if campaign is None or campaign.state == CampaignState.DRAFT:
            return TransitionResult(Transition.NOT_FOUND)
        if campaign.state not in allowed:
            return TransitionResult(Transition.WRONG_STATE, campaign.state)
        campaign.state = target
        if target == CampaignState.CANCELLED:
            campaign.finished_at = utcnow()
            await session.execute(
                update(Delivery)
                .where(
                    Delivery.campaign_id == campaign_id,
                    Delivery.state == DeliveryState.PENDING,
                )
                .values(state=DeliveryState.CANCELLED)
            )
        return TransitionResult(Transition.OK, target)


async def pause(session: AsyncSession, campaign_id: int) -> TransitionResult:
    return await transition(session, campaign_id, "pause")


async def resume(session: AsyncSession, campaign_id: int) -> TransitionResult:
    return await transition(session, campaign_id, "resume")


async def cancel(session: AsyncSession, campaign_id: int) -> TransitionResult:
    return await transition(session, campaign_id, "cancel")


# ---- reporting -----------------------------------------------------------------------------


async def summary(
    session: AsyncSession, campaign_id: int, *, with_languages: bool = True
) -> Summary | None:
    found = await summaries(session, [campaign_id], with_languages=with_languages)
    return found[0] if found else None


async def recent(session: AsyncSession, limit: int = 10, offset: int = 0) -> list[Summary]:
    async with session.begin():
        ids = (
            await session.scalars(
                select(Campaign.id)
                .where(Campaign.state != CampaignState.DRAFT)
                .order_by(Campaign.id.desc())
                .offset(offset)
                .limit(limit)
            )
        ).all()
    return await summaries(session, list(ids))


async def listed(session: AsyncSession, offset: int, limit: int) -> tuple[int, list[Summary]]:
    """Campaigns past the draft stage, latest first: how many in all, and one page of them."""
    async with session.begin():
        total = await session.scalar(
            select(func.count(Campaign.id)).where(Campaign.state != CampaignState.DRAFT)
        )
    return int(total or 0), await recent(session, limit, offset)


async def summaries(
    session: AsyncSession, ids: list[int], *, with_languages: bool = True
) -> list[Summary]:
    if not ids:
        return []
    async with session.begin():
        campaigns = (
            await session.scalars(
                select(Campaign).where(Campaign.id.in_(ids)).order_by(Campaign.id.desc())
            )
        ).all()
        rows = (
            await session.execute(
                select(Delivery.campaign_id, Delivery.state, func.count())
                .where(Delivery.campaign_id.in_(ids))
                .group_by(Delivery.campaign_id, Delivery.state)
            )
        ).all()
        lang_rows = (
            (
                await session.execute(
                    select(Delivery.campaign_id, Delivery.lang, func.count())
                    .where(Delivery.campaign_id.in_(ids))
                    .group_by(Delivery.campaign_id, Delivery.lang)
                )
            ).all()
            if with_languages
            else []
        )
    counts: dict[int, dict[str, int]] = {}
    for cid, state, count in rows:
        counts.setdefault(cid, {})[state] = int(count)
    langs: dict[int, dict[str, int]] = {}
    for cid, lang, count in lang_rows:
        langs.setdefault(cid, {})[lang] = int(count)
    return [
        Summary(
            id=c.id,
            state=c.state,
            total=c.total,
            created_at=c.created_at,
            started_at=c.started_at,
            finished_at=c.finished_at,
            counts=counts.get(c.id, {}),
            by_language=langs.get(c.id, {}),
        )
        for c in campaigns
    ]
