"""Cards as Telegram inline results: an article with the card text and a deep-link button."""

from __future__ import annotations

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
)
from telegram.constants import ParseMode

from bot.core.links import deep_link as core_deep_link
from bot.i18n import Lang, Texts
from bot.inline.cards import Card, link_payload


def deep_link(bot_username: str, topic_id: str) -> str:
    return core_deep_link(bot_username, link_payload(topic_id))


def article(card: Card, lang: Lang, texts: Texts, bot_username: str) -> InlineQueryResultArticle:
    button = InlineKeyboardButton(
        texts.get(lang, "inline.open_full"), url=deep_link(bot_username, card.topic)
    )
    return InlineQueryResultArticle(
        id=card.id,
        title=card.title,
        description=card.key,
        input_message_content=InputTextMessageContent(card.text, parse_mode=ParseMode.HTML),
        reply_markup=InlineKeyboardMarkup([[button]]),
    )
