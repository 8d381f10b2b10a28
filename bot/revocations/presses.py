"""The button plumbing the revocation handlers share: a press re-parsed into a `Press`, a
refusal for what is forged, stale or not the presser's, and the handler of one action."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import CallbackQuery, Update
from telegram.ext import CallbackQueryHandler

from bot.core.private import private_only
from bot.revocations import actions
from bot.revocations.actions import Action
from bot.revocations.service import NotAllowed
from bot.runtime import BotContext

log = logging.getLogger(__name__)


async def refuse(update: Update, context: BotContext, error: NotAllowed) -> None:
    user = update.effective_user
    query = update.callback_query
    log.warning(
        "refused %r from user_id=%s: %s",
        query.data if query else None,
        user.id if user else None,
        error,
    )
    if query is not None:
        await query.answer(context.t("revocations.not_allowed"), show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(context.t("revocations.not_allowed"))


@dataclass(frozen=True)
class Press:
    """A button press: who pressed, and its (re-parsed, never trusted) action."""

    query: CallbackQuery
    user_id: int
    action: Action

    @property
    def id(self) -> int:
        """The row id the data names (actions.parse refused it if no row could have it)."""
        assert self.action.id is not None
        return self.action.id

    @property
    def nonce(self) -> str:
        assert self.action.nonce is not None
        return self.action.nonce


def guarded(
    callback: Callable[[Update, BotContext, Press], Awaitable[None]],
) -> Callable[[Update, BotContext], Coroutine[Any, Any, None]]:
    """Turn a press into a Press, and NotAllowed (forged, stale, not theirs) into a refusal."""

    async def handler(update: Update, context: BotContext) -> None:
        query, user = update.callback_query, update.effective_user
        if query is None or user is None:
            return
        try:
            action = actions.parse(query.data)
            if action is None:
                raise NotAllowed(f"malformed or out of range: {query.data!r}")
            await callback(update, context, Press(query, user.id, action))
        except NotAllowed as error:
            await refuse(update, context, error)

    return handler


def press_handler(
    payload: str | None,
    callback: Callable[[Update, BotContext, Press], Awaitable[None]],
    action: str,
) -> CallbackQueryHandler[Any, None]:
    """The handler of one action's buttons; with a payload, a private chat's only (a
    citizen's certificates and an organisation's staff never go to a group)."""
    handler = guarded(callback)
    wrapped = private_only(payload, handler) if payload is not None else handler
    return CallbackQueryHandler(wrapped, pattern=actions.PATTERNS[action])
