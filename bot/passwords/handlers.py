"""Thin handlers for the password check: /password, its menu button and deep link, the step.

The password is the text of one message. It is deleted from the chat before anything else
happens, checked in a worker process, and then only the verdict (numbers and message keys) is
used. It is never stored (the dialog step holds no data), logged, echoed or put into an
exception: a failed check is re-raised without the original exception's message. A password
sent anywhere else in a private chat is taken away by the screen (screen.py).
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from aiohttp import web
from telegram import (
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
    WebAppInfo,
)
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.config import SettingsError
from bot.core.filters import GROUPS, NEW, PRIVATE
from bot.core.keyboards import private_chat_button
from bot.db import dialogs
from bot.db.dialogs import Pending
from bot.passwords import cli
from bot.passwords.actions import CB_START, STEP
from bot.passwords.pool import CheckPool
from bot.passwords.probes import password_pool
from bot.passwords.report import (
    CHAT_BUTTON,
    EXPIRED,
    GROUP_REDIRECT,
    INTRO,
    NOT_TEXT,
    OFFER,
    WEBAPP_BUTTON,
)
from bot.passwords.resources import check_content, resources
from bot.passwords.screen import SCREEN, send_verdict
from bot.passwords.screen import delete_message as _delete
from bot.passwords.screen import with_delete_warning as _with_delete_warning
from bot.passwords.webapp_page import Page, PageNotBuiltError, page_url, routes
from bot.runtime import (
    Background,
    BotContext,
    Deps,
    EntryPoint,
    EsignApplication,
    Feature,
    Links,
    MenuItem,
    Ops,
    Step,
    TelegramParts,
)

log = logging.getLogger(__name__)

CB_IN_CHAT = "pw:chat"
STEP_TTL = timedelta(minutes=5)


def setup(deps: Deps) -> None:
    resources()  # load the dictionaries at start, not during the first user's check
    deps.provide(CheckPool(deps.settings.password_check_workers))
    if deps.settings.webapp_url:
        try:
            deps.provide(Page.load())
        except PageNotBuiltError as exc:
            if not deps.settings.demo_mode:
                raise SettingsError(f"WEBAPP_URL: {exc}") from None
            log.warning("%s; the demo goes on without it", exc)


def web_routes(deps: Deps) -> list[web.RouteDef]:
    """The password check page, when WEBAPP_URL says where Telegram opens it."""
    page = deps.services.get(Page)
    if not isinstance(page, Page):
        return []
    return routes(page, deps.settings.webapp_path)


def _page_url(context: BotContext) -> str | None:
    base = context.deps.settings.webapp_url
    has_page = isinstance(context.deps.services.get(Page), Page)
    return page_url(base, context.lang) if base and has_page else None


async def shutdown(application: EsignApplication) -> None:
    application.deps.get(CheckPool).close()


async def workers_healthy(deps: Deps) -> bool:
    """/healthz: the password workers answer (a pool whose worker died is restarted first)."""
    return await deps.get(CheckPool).revive()


async def start_command(update: Update, context: BotContext) -> None:
    """/password in a private chat."""
    message = update.effective_message
    if message is None:
        return
    if context.args:
        # "/password Secret1": the argument may well be the password; it is not checked.
        await _delete(message)
    await _begin(update, context)


async def start_from_link(update: Update, context: BotContext) -> None:
    """/start password: the deep link from a group or elsewhere."""
    await _begin(update, context)


async def start_button(update: Update, context: BotContext) -> None:
    query, chat = update.callback_query, update.effective_chat
    if query is None:
        return
    await query.answer()
    if chat is None:
        return
    if chat.type != Chat.PRIVATE:  # a forged or very old button in a group
        await chat.send_message(
            context.t(GROUP_REDIRECT), reply_markup=private_chat_button(context, STEP)
        )
        return
    await _begin_in_chat(update, context)


async def redirect_group(update: Update, context: BotContext) -> None:
    """/password in a group: never take a password here; offer the private chat instead."""
    message = update.effective_message
    if message is None:
        return
    deleted = bool(context.args) and await _delete(message)
    text, markup = context.t(GROUP_REDIRECT), private_chat_button(context, STEP)
    if deleted:
        await message.chat.send_message(text, reply_markup=markup)
    else:
        await message.reply_text(text, reply_markup=markup)


async def _begin(update: Update, context: BotContext) -> None:
    """The check on the phone first (nothing is sent), the check in the chat as the fallback."""
    chat, url = update.effective_chat, _page_url(context)
    if chat is None or url is None or chat.type != Chat.PRIVATE:
        await _begin_in_chat(update, context)
        return
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(context.t(WEBAPP_BUTTON), web_app=WebAppInfo(url))],
            [InlineKeyboardButton(context.t(CHAT_BUTTON), callback_data=CB_IN_CHAT)],
        ]
    )
    await chat.send_message(context.t(OFFER), reply_markup=markup)


async def _begin_in_chat(update: Update, context: BotContext) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    # The step's data stays empty: nothing about the password is ever written to the database.
    await dialogs.set_step(context.session, chat.id, user.id, STEP, ttl=STEP_TTL)
    await chat.send_message(context.t(INTRO))


async def on_password(update: Update, context: BotContext, pending: Pending) -> None:
    """The message after the intro: delete it, check it off the event loop, answer."""
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or user is None or message is None or message.text is None:
        return
    deleted = await _delete(message)
    await dialogs.clear_step(context.session, chat.id, user.id)
    await send_verdict(chat, context, user, message.text, deleted)


async def on_expired(update: Update, context: BotContext, pending: Pending) -> None:
    """A message after the step ran out: perhaps a late password, so it goes too."""
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or user is None or message is None:
        return
    deleted = await _delete(message)
    await dialogs.clear_step(context.session, chat.id, user.id)
    await chat.send_message(_with_delete_warning(context, deleted, context.t(EXPIRED)))


async def on_other_message(update: Update, context: BotContext, pending: Pending) -> None:
    """A photo, voice, sticker… during the step: it may show the password."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    deleted = await _delete(message)  # the step stays: the password may follow as text
    await chat.send_message(_with_delete_warning(context, deleted, context.t(NOT_TEXT)))


feature = Feature(
    name="passwords",
    handlers=[
        CommandHandler("password", start_command, filters=PRIVATE & NEW),
        CommandHandler("password", redirect_group, filters=GROUPS & NEW),
        CallbackQueryHandler(
            start_button, pattern=f"^({re.escape(CB_START)}|{re.escape(CB_IN_CHAT)})$"
        ),
    ],
    telegram=TelegramParts(
        commands=["password"],
        menu=[
            MenuItem(WEBAPP_BUTTON, private_only=True, web_app=_page_url),
            MenuItem("passwords.menu_button", CB_START, private_only=True),
        ],
        steps={STEP: Step(on_password, on_expired, on_other=on_other_message)},
        deep_links={STEP: start_from_link},
        screen=SCREEN,
        web_routes=web_routes,
    ),
    background=Background(setup=setup, on_shutdown=shutdown),
    ops=Ops(
        cli=cli.register,
        content_checks=[check_content],
        health_checks={"passwords": workers_healthy},
        probes=[password_pool],
    ),
    links=Links(publishes={"passwords.check": EntryPoint(CB_START, STEP)}),
)
