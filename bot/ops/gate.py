"""Flood control at the door: which updates count, the one notice, and who is exempt.

Counted: what a person does in a private chat (messages, edits), button presses anywhere and
inline queries (`@bot words` typed in any chat).
Group messages are not: the group guard must see every message (a key file posted by someone
typing fast is still deleted), and the bot answers little there, under Telegram's own
20-a-minute group limit. Operators are never throttled.
"""

from __future__ import annotations

import math
from datetime import timedelta

from sqlalchemy.orm import Session
from telegram import Chat, InlineQueryResultsButton, Update

from bot.config import Settings
from bot.ops import flood
from bot.ops.flood import FloodPolicy, Verdict
from bot.ops.metrics import metrics_of
from bot.runtime import BotContext

# Where the inline notice's button leads: /start with a payload no feature claims, i.e. the
# welcome and the menu.
FLOOD_PAYLOAD = "inline"


def policy(settings: Settings) -> FloodPolicy:
    return FloodPolicy(
        limit=settings.flood_limit_per_minute,
        cooldown=timedelta(seconds=settings.flood_cooldown_seconds),
    )


def _counted(update: Update) -> bool:
    user = update.effective_user
    if user is None or user.is_bot:
        return False
    if update.callback_query is not None or update.inline_query is not None:
        return True
    chat = update.effective_chat
    return chat is not None and chat.type == Chat.PRIVATE and update.effective_message is not None


def screen(session: Session, update: Update, context: BotContext) -> Verdict:
    """A counted update is one hit (an upsert in the caller's transaction, or on SQLite's one
    instance a count in memory: bot/ops/flood.py), the rest none; from SQLAlchemy's
    synchronous side (the pre-update step: bot/core/handlers.py)."""
    user = update.effective_user
    if user is None or not _counted(update) or context.is_operator(user.id):
        return Verdict.ALLOW
    counts = context.deps.get(flood.FloodCounts)
    verdict = counts.hit(session, user.id, policy(context.deps.settings))
    metrics = metrics_of(context.deps)
    if verdict is not Verdict.ALLOW and metrics is not None:
        metrics.dropped.labels("flood").inc()
    return verdict


async def notify(update: Update, context: BotContext) -> None:
    """The one polite notice: an alert for a button press, a message in a private chat."""
    minutes = max(1, math.ceil(context.deps.settings.flood_cooldown_seconds / 60))
    notice = context.t("ops.flood_notice", count=minutes)
    if update.callback_query is not None:
        await update.callback_query.answer(notice, show_alert=True)
    elif update.inline_query is not None:
        # No chat to write to: no results, and the notice on the button above them.
        await update.inline_query.answer(
            [],
            cache_time=0,
            is_personal=True,
            button=InlineQueryResultsButton(
                context.t("ops.flood_inline", count=minutes), start_parameter=FLOOD_PAYLOAD
            ),
        )
    elif update.effective_chat is not None:
        await update.effective_chat.send_message(notice)
