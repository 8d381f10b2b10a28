"""What answers when no feature did: pending steps, free text, unknown commands, stale buttons."""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram import Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.core.filters import FOR_BOT, NEW, PRIVATE
from bot.db import dialogs
from bot.db.dialogs import Pending
from bot.runtime import BotContext, Feature, Step, StepCallback

log = logging.getLogger(__name__)


async def step_expired(update: Update, context: BotContext, pending: Pending) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat and user:
        await dialogs.clear_step(context.session, chat.id, user.id)
    if update.effective_message:
        await update.effective_message.reply_text(context.t("core.step_expired"))


async def _to_step(
    update: Update, context: BotContext, kind: Callable[[Step], StepCallback | None]
) -> bool:
    """Hand the message to the pending step if it takes this kind; True when it did."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return False
    pending = await dialogs.get_step(context.session, chat.id, user.id)
    if pending is None:
        return False
    step = context.deps.steps.get(pending.step)
    if step is None:
        # A step no feature owns any more (removed in an upgrade): forget it.
        await dialogs.clear_step(context.session, chat.id, user.id)
        return False
    handler = kind(step)
    if handler is None:
        return False
    log.debug("message goes to step %s (expired: %s)", pending.step, pending.expired)
    await (step.on_expired or step_expired if pending.expired else handler)(
        update, context, pending
    )
    return True


async def route_text(update: Update, context: BotContext) -> None:
    """A text message: the pending step's, if there is one, else the free-text feature's."""
    message = update.effective_message
    if message is None or await _to_step(update, context, lambda step: step.handle):
        return
    fallback = context.deps.text_fallback
    if fallback is not None:
        await fallback(update, context)
    else:
        await message.reply_text(context.t("core.unsupported_message"))


async def unknown_command(update: Update, context: BotContext) -> None:
    if update.effective_message:
        await update.effective_message.reply_text(context.t("core.unknown_command"))


async def unsupported(update: Update, context: BotContext) -> None:
    """A message of a kind no feature takes: the pending step's, if it wants such messages."""
    message = update.effective_message
    if message is None or await _to_step(update, context, lambda step: step.on_other):
        return
    await message.reply_text(context.t("core.unsupported_message"))


async def stale_button(update: Update, context: BotContext) -> None:
    if update.callback_query:
        await update.callback_query.answer(context.t("core.stale_button"), show_alert=True)


feature = Feature(
    name="fallbacks",
    handlers=[
        MessageHandler(filters.COMMAND & FOR_BOT, unknown_command),
        MessageHandler(filters.TEXT & FOR_BOT, route_text),
        MessageHandler(
            PRIVATE & NEW & ~filters.StatusUpdate.ALL,
            unsupported,
        ),
        CallbackQueryHandler(stale_button),
    ],
)
