"""Thin handlers for /start, /help, /menu, /language, /cancel and the update pre-step."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import Session
from telegram import Update
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, CommandHandler, TypeHandler

from bot.core import credentials, flows
from bot.core.filters import GROUPS, is_private
from bot.core.keyboards import (
    CB_HELP,
    CB_LANGUAGE,
    CB_MENU,
    CB_SET_LANGUAGE,
    language_picker,
    main_menu,
    private_chat_button,
)
from bot.db import dialogs, transaction, users
from bot.i18n import as_lang
from bot.ops import gate
from bot.ops.flood import Verdict
from bot.runtime import Background, BotContext, Deps, Feature, Ops, TelegramParts


async def pre_update(update: Update, context: BotContext) -> None:
    """Runs before every handler: flood control, then remember the user.

    An ignored update stops here at the cost of one flood hit; the one notice is sent after the
    user is remembered, so it comes in the language they chose. Everything shares one
    transaction: this runs for every update, and on SQLite each commit takes the write lock.
    The same statement that reads the user reads a message's pending step too, which the step
    router or the password screen would otherwise read in a transaction of their own. The
    transaction runs in one go on SQLAlchemy's synchronous side (bot/db/transaction.py).
    """
    verdict, seen = await context.session.run_sync(_screen_and_remember, update, context)
    if seen is not None:
        seen.remember(context.session)
        if seen.language:
            context.set_lang(seen.language)
    if verdict is Verdict.IGNORE:
        raise ApplicationHandlerStop
    if verdict is Verdict.NOTIFY:
        await gate.notify(update, context)
        raise ApplicationHandlerStop


def _screen_and_remember(
    session: Session, update: Update, context: BotContext
) -> tuple[Verdict, users.Seen | None]:
    with transaction.short(session):
        verdict = gate.screen(session, update, context)
        seen = remember_user(session, update) if verdict is not Verdict.IGNORE else None
    return verdict, seen


def remember_user(session: Session, update: Update) -> users.Seen | None:
    """Record the user and chat, read the update's language (part of the pre-update step)."""
    user, chat = update.effective_user, update.effective_chat
    if user is None and chat is None:
        return None
    return users.record_seen(
        session,
        user_id=user.id if user else None,
        chat_id=chat.id if chat else None,
        chat_type=chat.type if chat else None,
        language_code=user.language_code if user else None,
        # A message may go to a pending step; a button press or a member change does not.
        with_step=update.message is not None or update.edited_message is not None,
    )


async def start(update: Update, context: BotContext) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    payload = context.args[0] if context.args else ""
    link = context.deps.deep_link(payload) if payload and is_private(update) else None
    if link is not None:
        await link(update, context)
        return
    if is_private(update):
        for feature in context.deps.features:
            for hook in feature.telegram.start_hooks:
                await hook(update, context)
    await message.reply_text(
        context.t("core.welcome", name=user.first_name),
        reply_markup=main_menu(context, private=is_private(update)),
    )


async def help_command(update: Update, context: BotContext) -> None:
    if update.effective_message:
        await update.effective_message.reply_text(context.t("core.help"))


async def menu(update: Update, context: BotContext) -> None:
    if update.effective_message:
        await update.effective_message.reply_text(
            context.t("core.menu_title"),
            reply_markup=main_menu(context, private=is_private(update)),
        )


async def language(update: Update, context: BotContext) -> None:
    if update.effective_message:
        await update.effective_message.reply_text(
            context.t("core.language_prompt"), reply_markup=language_picker()
        )


async def cancel(update: Update, context: BotContext) -> None:
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or user is None or message is None:
        return
    had_step = await dialogs.clear_step(context.session, chat.id, user.id)
    # Both: a text step and a button flow may be pending side by side.
    had_flow = await flows.cancel(update, context)
    had_step = had_step or had_flow
    await message.reply_text(
        context.t("core.cancelled" if had_step else "core.nothing_to_cancel"),
        reply_markup=main_menu(context, private=is_private(update)) if had_step else None,
    )


async def on_menu_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    data = query.data or ""
    if data == CB_MENU:
        await menu(update, context)
    elif data == CB_HELP:
        await help_command(update, context)
    elif data == CB_LANGUAGE:
        await language(update, context)


async def on_language_chosen(update: Update, context: BotContext) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    lang = as_lang((query.data or "").removeprefix(CB_SET_LANGUAGE))
    if lang is None:
        # Forged data that still matched the prefix: treat it like any stale button.
        await query.answer(context.t("core.stale_button"), show_alert=True)
        return
    await users.set_language(context.session, user.id, lang)
    context.set_lang(lang)
    await query.answer()
    await query.edit_message_text(context.t("core.language_set"))
    if query.message is not None:
        await query.message.chat.send_message(
            context.t("core.menu_title"),
            reply_markup=main_menu(context, private=is_private(update)),
        )


async def redirect_to_private(update: Update, context: BotContext) -> None:
    """Private-only flows asked for in a group: a button that opens the private chat there."""
    message = update.effective_message
    if message is None or not message.text:
        return
    command = message.text.split()[0].lstrip("/").split("@")[0].lower()
    await message.reply_text(
        context.t("core.private_only"), reply_markup=private_chat_button(context, command)
    )


def group_redirects(deps: Deps) -> CommandHandler[Any, Any] | None:
    payloads = sorted({p for f in deps.features for p in f.telegram.deep_links})
    return CommandHandler(payloads, redirect_to_private, filters=GROUPS) if payloads else None


PRE_UPDATE = TypeHandler(Update, pre_update)


def setup(deps: Deps) -> None:
    # The password detector every feature shares: a broken vocabulary stops the start, not the
    # first message.
    credentials.detector()


feature = Feature(
    name="core",
    handlers=[
        CommandHandler("start", start),
        CommandHandler("help", help_command),
        CommandHandler("menu", menu),
        CommandHandler("language", language),
        CommandHandler("cancel", cancel),
        CallbackQueryHandler(
            on_language_chosen,
            pattern=rf"^{re.escape(CB_SET_LANGUAGE)}[a-z]{{2}}$",
        ),
        CallbackQueryHandler(
            on_menu_button,
            pattern=rf"^({re.escape(CB_MENU)}|{re.escape(CB_HELP)}|{re.escape(CB_LANGUAGE)})$",
        ),
    ],
    telegram=TelegramParts(commands=["start", "help", "menu", "language", "cancel"]),
    background=Background(setup=setup),
    ops=Ops(content_checks=[credentials.check_content]),
)
