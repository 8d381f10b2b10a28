"""Which messages are meant for the bot: all in private chats, only addressed ones in groups."""

from __future__ import annotations

from telegram import Chat, Message, MessageEntity, Update
from telegram.ext import filters


class _AddressedToBot(filters.MessageFilter):
    """A group message that mentions the bot or replies to it."""

    def filter(self, message: Message) -> bool:
        bot = message.get_bot()
        reply = message.reply_to_message
        if reply is not None and reply.from_user is not None and reply.from_user.id == bot.id:
            return True
        username = (bot.username or "").lower()
        if not username:
            return False
        for entity, text in message.parse_entities([MessageEntity.MENTION]).items():
            if entity.type == MessageEntity.MENTION and text.lower() == f"@{username}":
                return True
        return False


ADDRESSED = _AddressedToBot(name="addressed_to_bot")
PRIVATE = filters.ChatType.PRIVATE
GROUPS = filters.ChatType.GROUPS
# Edits are not new requests: re-running a step on an edited message would surprise people.
NEW = filters.UpdateType.MESSAGE
FOR_BOT = NEW & (PRIVATE | (GROUPS & ADDRESSED))


def strip_mention(text: str, username: str | None) -> str:
    if not username:
        return text.strip()
    return text.replace(f"@{username}", " ").strip()


def is_private(update: Update) -> bool:
    return update.effective_chat is not None and update.effective_chat.type == Chat.PRIVATE
