"""The error handler: log with context (never the message text), answer the user politely.

Telegram failing (timeouts, 5xx, 429) is not our bug and is logged briefly. A 400 Bad Request
is: PTB makes BadRequest a subclass of NetworkError, yet it means we sent something Telegram
refuses (a message too long, broken markup, a button over 64 bytes), so it is logged with its
traceback and the user gets the apology, like any other bug. The one 400 that is nobody's
fault is "message is not modified" (the same button pressed twice).
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.ops.metrics import update_type
from bot.runtime import BotContext

log = logging.getLogger("bot.errors")

_NOT_MODIFIED = "message is not modified"


async def on_error(update: object, context: BotContext) -> None:
    error = context.error
    where = _describe(update)
    if isinstance(error, Forbidden):
        log.info("user blocked the bot or left the chat (%s)", where)
        return
    if isinstance(error, BadRequest) and _NOT_MODIFIED in error.message.lower():
        log.info("the message already shows that (%s)", where)
        return
    if isinstance(error, RetryAfter | NetworkError) and not isinstance(error, BadRequest):
        log.warning("Telegram API unavailable (%s): %s", where, type(error).__name__)
        return
    # Only ids and the exception: message texts may hold passwords or personal data.
    log.error("unhandled error (%s)", where, exc_info=error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(update.effective_chat.id, context.t("core.error"))
        except Exception:  # the apology is best effort; the error is already logged
            log.warning("could not tell the user about the error (%s)", where)


def _describe(update: object) -> str:
    if not isinstance(update, Update):
        return "no update"
    parts = [f"update_id={update.update_id}"]
    if update.effective_chat:
        parts.append(f"chat_id={update.effective_chat.id}")
    if update.effective_user:
        parts.append(f"user_id={update.effective_user.id}")
    parts.append(f"kind={update_type(update)}")
    return " ".join(parts)
