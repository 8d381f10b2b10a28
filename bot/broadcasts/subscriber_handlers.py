"""Subscribers: /start subscribes a private chat, /subscribe and /unsubscribe (a group's admins
only), and a chat that blocks or removes the bot is skipped until it lets the bot back in."""

from __future__ import annotations

from telegram import Chat, Update
from telegram.constants import ChatMemberStatus

from bot.broadcasts import subscriptions
from bot.broadcasts.models import SubscriberStatus
from bot.broadcasts.subscriptions import Change
from bot.core.filters import is_private
from bot.core.rights import is_chat_admin
from bot.runtime import BotContext

_GONE = (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT)


async def subscribe_on_start(update: Update, context: BotContext) -> None:
    """/start in a private chat subscribes it, as the welcome says (after an opt-out too)."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    await subscriptions.subscribe(
        context.session,
        chat_id=chat.id,
        chat_type=chat.type,
        lang=context.lang,
        by_user=user.id,
    )


async def subscribe_command(update: Update, context: BotContext) -> None:
    await _set_subscription(update, context, subscribe=True)


async def unsubscribe_command(update: Update, context: BotContext) -> None:
    await _set_subscription(update, context, subscribe=False)


async def _set_subscription(update: Update, context: BotContext, *, subscribe: bool) -> None:
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or user is None or message is None:
        return
    private = is_private(update)
    # Only a group's admins change its subscription.
    if not private and not await is_chat_admin(message, context):
        await message.reply_text(context.t("broadcasts.subscription.group_admins_only"))
        return
    if subscribe:
        change = await subscriptions.subscribe(
            context.session,
            chat_id=chat.id,
            chat_type=chat.type,
            lang=context.lang,
            by_user=user.id,
        )
        key = "subscribed" if change is Change.DONE else "already_subscribed"
    else:
        change = await subscriptions.unsubscribe(context.session, chat.id)
        key = "unsubscribed" if change is Change.DONE else "already_unsubscribed"
    where = "private" if private else "group"
    await message.reply_text(context.t(f"broadcasts.subscription.{where}.{key}"))


async def on_my_chat_member(update: Update, context: BotContext) -> None:
    """Blocked (private) or removed (group): skip the chat until it lets the bot back in."""
    change = update.my_chat_member
    if change is None:
        return
    chat, status = change.chat, change.new_chat_member.status
    if status in _GONE:
        gone = SubscriberStatus.BLOCKED if chat.type == Chat.PRIVATE else SubscriberStatus.LEFT
        await subscriptions.mark_unreachable(context.session, chat.id, gone)
    else:
        await subscriptions.mark_returned(context.session, chat.id)
