"""The main menu, the language picker, and keyboards sent with many messages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, WebAppInfo

from bot.core.links import deep_link
from bot.i18n import LANGS
from bot.runtime import BotContext

LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
CB_MENU = "core:menu"
CB_HELP = "core:help"
CB_LANGUAGE = "core:language"
CB_SET_LANGUAGE = "core:lang:"


def main_menu(context: BotContext, *, private: bool) -> InlineKeyboardMarkup:
    rows = []
    for item in context.deps.menu:
        if item.web_app is not None:
            # Telegram refuses Mini App buttons outside private chats.
            url = item.web_app(context) if private else None
            if url is not None:
                button = InlineKeyboardButton(context.t(item.text_key), web_app=WebAppInfo(url))
                rows.append([button])
        elif private or not item.private_only:
            button = InlineKeyboardButton(
                context.t(item.text_key), callback_data=item.callback_data
            )
            rows.append([button])
    rows.append(
        [
            InlineKeyboardButton(context.t("core.buttons.language"), callback_data=CB_LANGUAGE),
            InlineKeyboardButton(context.t("core.buttons.help"), callback_data=CB_HELP),
        ]
    )
    return InlineKeyboardMarkup(rows)


def language_picker() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(LANGUAGE_NAMES[lang], callback_data=CB_SET_LANGUAGE + lang)
                for lang in LANGS
            ]
        ]
    )


def private_chat_button(context: BotContext, payload: str) -> InlineKeyboardMarkup:
    """A deep link that opens the private chat at the given step (t.me/<bot>?start=payload)."""
    url = deep_link(context.bot.username, payload)
    return InlineKeyboardMarkup([[InlineKeyboardButton(context.t("core.open_private"), url=url)]])


class SentOftenMarkup(InlineKeyboardMarkup):
    """A keyboard built once and sent with many messages (an answer's buttons). PTB's markups
    are immutable, so its JSON form is worked out once as well: PTB's generic `to_dict` walks
    every row and button again for each message, a few per cent of an answer's CPU."""

    __slots__ = ("_json_form",)

    def __init__(self, inline_keyboard: Sequence[Sequence[InlineKeyboardButton]]) -> None:
        super().__init__(inline_keyboard)
        with self._unfrozen():
            self._json_form = super().to_dict()

    def to_dict(self, recursive: bool = True) -> dict[str, Any]:
        # A fresh outer dict; the rows inside are shared, as PTB only serialises them.
        return dict(self._json_form) if recursive else super().to_dict(recursive=False)
