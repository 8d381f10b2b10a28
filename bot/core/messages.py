"""Deleting a message the bot must not leave in a chat, without letting a failure stop the
handler: Telegram refuses when the message is already gone, too old, or the bot lacks the
right. The caller says what to do then (warn that it stayed, ask the admins)."""

from __future__ import annotations

import logging

from telegram import Message
from telegram.error import TelegramError

log = logging.getLogger(__name__)


async def delete_message(message: Message, what: str) -> bool:
    """True when the message is gone. `what` names it in the log line; nothing of the
    message's content is ever logged (it may hold a password)."""
    try:
        return await message.delete()
    except TelegramError as exc:
        log.warning(
            "could not delete %s (chat_id=%s message_id=%s): %s",
            what,
            message.chat_id,
            message.message_id,
            type(exc).__name__,
        )
        return False
