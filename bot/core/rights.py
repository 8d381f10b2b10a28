"""Who may do what, asked every time: ministry operators, and a group's admins."""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError

from bot.runtime import BotContext

log = logging.getLogger(__name__)

CHAT_ADMINS = (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)


async def operator_gate(update: Update, context: BotContext, refusal_key: str) -> bool:
    """True when the sender is a ministry operator (OPERATOR_IDS); otherwise they are told
    `refusal_key`, as an alert on a button or a reply to a message, and False."""
    user = update.effective_user
    if context.is_operator(user.id if user else None):
        return True
    if update.callback_query is not None:
        await update.callback_query.answer(context.t(refusal_key), show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(context.t(refusal_key))
    return False


async def is_chat_admin(message: Message, context: BotContext) -> bool:
    """Whether the message's sender administers its chat: asked of Telegram every time, never
    assumed from an earlier answer; a failed question is a no."""
    if message.sender_chat is not None:
        # An anonymous admin writes as the group itself; a channel writes as the channel.
        return message.sender_chat.id == message.chat_id
    if message.from_user is None:
        return False
    try:
        member = await context.bot.get_chat_member(message.chat_id, message.from_user.id)
    except TelegramError:
        log.warning("could not read a member's status (chat_id=%s)", message.chat_id)
        return False
    return member.status in CHAT_ADMINS
