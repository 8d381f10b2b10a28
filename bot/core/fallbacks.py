"""What answers when no feature did: pending steps, free text, unknown commands, stale buttons."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.core.filters import FOR_BOT, NEW, PRIVATE
from bot.db import dialogs
from bot.db.dialogs import Pending
from bot.runtime import BotContext, Feature

log = logging.getLogger(__name__)


async def step_expired(update: Update, context: BotContext, pending: Pending) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat and user:
        await dialogs.clear_step(context.session, chat.id, user.id)
    if update.effective_message:
        await update.effective_message.reply_text(context.t("core.step_expired"))


async def route_text(update: Update, context: BotContext) -> None:
    """A text message: the pending step's, if there is one, else the free-text feature's."""
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or user is None or message is None:
        return
    pending = await dialogs.get_step(context.session, chat.id, user.id)
    if pending is not None:
        step = context.deps.steps.get(pending.step)
        if step is not None:
            log.debug("text goes to step %s (expired: %s)", pending.step, pending.expired)
            handler = (step.on_expired or step_expired) if pending.expired else step.handle
            await handler(update, context, pending)
            return
        # A step no feature owns any more (removed in an upgrade): forget it.
        await dialogs.clear_step(context.session, chat.id, user.id)
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
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or user is None or message is None:
        return
    pending = await dialogs.get_step(context.session, chat.id, user.id)
    step = context.deps.steps.get(pending.step) if pending is not None else None
    if pending is not None and step is not None and step.on_other is not None:
        handler = (step.on_expired or step_expired) if pending.expired else step.on_other
        await handler(update, context, pending)
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
