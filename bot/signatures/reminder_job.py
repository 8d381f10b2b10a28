"""The daily expiry-reminder run, on the leader only, with the bot sending the messages."""

from __future__ import annotations

import logging

from babel.dates import format_date
from telegram.error import Forbidden, TelegramError

from bot.db.base import utcnow
from bot.ops.jobs import leader_job
from bot.runtime import EsignApplication
from bot.signatures.registry import verified_since
from bot.signatures.reminders import Reminder, send_due_reminders
from bot.signatures.views import today_in_almaty

log = logging.getLogger(__name__)

# Hourly: a restart or a leader change costs at most an hour's delay, and each reminder is
# recorded, so running more often than daily sends nothing twice.
INTERVAL_SECONDS = 3600.0
# The first run waits a minute, so a start (or a restart loop) does not begin with a burst.
FIRST_RUN_DELAY_SECONDS = 60.0


async def run_once(application: EsignApplication) -> int:
    deps = application.deps

    async def send(reminder: Reminder) -> bool:
        lang = reminder.language
        text = deps.texts.get(
            lang,
            "signatures.reminder",
            count=reminder.days_left,
            kind=deps.texts.get(lang, f"signatures.kind.{reminder.key_type}"),
            serial=reminder.serial,
            end=format_date(reminder.valid_to, format="long", locale=lang),
        )
        try:
            await application.bot.send_message(reminder.user_id, text)
        except Forbidden:
            return True  # blocked the bot: retrying would not reach them either
        except TelegramError as exc:
            log.warning("expiry reminder not sent (%s); will retry", type(exc).__name__)
            return False
        return True

    now = utcnow()
    since = verified_since(deps.settings.phone_verification_days, now)
    return await send_due_reminders(deps.sessionmaker, today_in_almaty(now), since, send)


start, stop = leader_job(
    "expiry-reminders",
    run_once,
    interval=INTERVAL_SECONDS,
    first_delay=FIRST_RUN_DELAY_SECONDS,
)
