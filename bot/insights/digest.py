"""The weekly digest to the operators' chat, Monday morning Astana time, once per week.

Runs on the leader every few minutes: it takes the day's subscriber count, and when the week's
digest is due and not yet claimed, claims it (a row keyed by the week's Monday) before sending.
Two runs or two instances therefore send it once; a send Telegram refuses gives the claim back,
so the next run tries again.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from telegram.error import TelegramError

from bot.broadcasts.figures import record_subscribers
from bot.db.base import utcnow
from bot.db.upsert import insert_for
from bot.insights import album
from bot.insights.models import WeeklyDigest
from bot.ops.clock import KAZAKHSTAN, kz_day
from bot.ops.jobs import leader_job
from bot.ops.periods import week_start
from bot.runtime import EsignApplication

log = logging.getLogger(__name__)

DUE_AT = time(9, 0)  # Monday, Astana time
INTERVAL_SECONDS = 600.0
FIRST_RUN_DELAY_SECONDS = 60.0


def due_week(now: datetime) -> date | None:
    """The Monday of the week whose digest is due at `now`: from Monday 09:00 to Sunday night
    (a bot that was down on Monday still sends that week's digest, late, once)."""
    local = now.astimezone(KAZAKHSTAN)
    monday = week_start(local.date())
    if local.date() == monday and local.time() < DUE_AT:
        return None
    return monday


async def claim(session: AsyncSession, week: date, now: datetime) -> bool:
    stmt = (
        insert_for(session, WeeklyDigest)
        .values(week=week, claimed_at=now)
        .on_conflict_do_nothing(index_elements=[WeeklyDigest.week])
        .returning(WeeklyDigest.week)
    )
    async with session.begin():
        return (await session.execute(stmt)).first() is not None


async def release(session: AsyncSession, week: date) -> None:
    async with session.begin():
        await session.execute(delete(WeeklyDigest).where(WeeklyDigest.week == week))


async def run_once(application: EsignApplication, now: datetime | None = None) -> int:
    deps = application.deps
    now = now or utcnow()
    chat_id = deps.settings.operator_chat_id
    async with deps.sessionmaker() as session:
        await record_subscribers(session, kz_day(now))
        week = due_week(now)
        if chat_id is None or week is None or not await claim(session, week, now):
            return 0
        lang = deps.settings.operator_language
        try:
            media = await album.build(deps, session, now, lang, digest=True)
            await application.bot.send_media_group(chat_id, media)
        except TelegramError as exc:
            await release(session, week)
            log.warning("weekly digest not sent (%s); will retry", type(exc).__name__)
            return 0
        except BaseException:
            await release(session, week)
            raise
    return 1


start, stop = leader_job(
    "weekly-digest", run_once, interval=INTERVAL_SECONDS, first_delay=FIRST_RUN_DELAY_SECONDS
)
