"""Weekly, on the leader: remind heads of organisations of departed employees' valid keys."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import or_, select, update
from telegram.error import Forbidden, TelegramError

from bot.db.base import utcnow
from bot.db.models import User
from bot.ops.clock import kz_day
from bot.ops.jobs import leader_job
from bot.revocations import service
from bot.revocations.models import OrgAdmin
from bot.runtime import EsignApplication

log = logging.getLogger(__name__)

EVERY = timedelta(days=7)
INTERVAL_SECONDS = 3600.0
FIRST_RUN_DELAY_SECONDS = 90.0


async def run_once(application: EsignApplication) -> int:
    """Remind each admin whose last reminder is a week old; each reminder is claimed first
    (compare-and-set on reminded_at), so two runs or two instances send it once."""
    deps = application.deps
    now = utcnow()
    today = kz_day(now)
    sent = 0
    async with deps.sessionmaker() as session:
        async with session.begin():
            admins = (
                await session.execute(
                    select(OrgAdmin.org_bin, OrgAdmin.user_id).where(
                        or_(OrgAdmin.reminded_at.is_(None), OrgAdmin.reminded_at < now - EVERY)
                    )
                )
            ).all()
        for org_bin, user_id in admins:
            pending = await service.departed_still_valid(session, org_bin, today)
            if not pending:
                continue
            async with session.begin():
                claimed = await session.execute(
                    update(OrgAdmin)
                    .where(
                        OrgAdmin.org_bin == org_bin,
                        OrgAdmin.user_id == user_id,
                        or_(OrgAdmin.reminded_at.is_(None), OrgAdmin.reminded_at < now - EVERY),
                    )
                    .values(reminded_at=now)
                )
                user = await session.get(User, user_id)
            if claimed.rowcount == 0:  # type: ignore[attr-defined]
                continue
            lang = user.effective_language if user else "en"
            text = deps.texts.get(
                lang,
                "revocations.weekly_reminder",
                name=pending[0].org_name or org_bin,
                count=len(pending),
            )
            try:
                await application.bot.send_message(user_id, text)
                sent += 1
            except Forbidden:
                log.info("org admin %s has blocked the bot", user_id)
            except TelegramError as exc:
                log.warning("org reminder not sent (%s)", type(exc).__name__)
    return sent


start, stop = leader_job(
    "org-reminders",
    run_once,
    interval=INTERVAL_SECONDS,
    first_delay=FIRST_RUN_DELAY_SECONDS,
)
