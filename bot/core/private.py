"""Personal data only in private chats: a press in a group gets a way there instead.

Menu buttons that open personal lists are hidden in groups, but callback data can be forged
and old messages forwarded, so the handler itself refuses to answer a group with a person's
certificates and offers a button that opens the private chat at the same place.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update

from bot.core.filters import is_private
from bot.core.keyboards import private_chat_button
from bot.runtime import BotContext, UpdateCallback

log = logging.getLogger(__name__)


def private_only(
    payload: str, callback: UpdateCallback
) -> Callable[[Update, BotContext], Coroutine[Any, Any, None]]:
    """`callback` in a private chat; elsewhere a deep link to t.me/<bot>?start=<payload>."""

    async def handler(update: Update, context: BotContext) -> None:
        if is_private(update):
            await callback(update, context)
            return
        query, chat = update.callback_query, update.effective_chat
        log.info(
            "a private-only action asked for outside a private chat (chat_id=%s)",
            chat.id if chat else None,
        )
        if query is not None:
            await query.answer()
        if chat is not None:
            await chat.send_message(
                context.t("core.private_only"), reply_markup=private_chat_button(context, payload)
            )

    return handler
