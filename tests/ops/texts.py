"""Bot texts as a Telegram client shows them, so tests do not depend on today's wording."""

from __future__ import annotations

from bot.i18n import Texts
from bot.tghtml import parse

TEXTS = Texts.load()


def shown(lang: str, key: str, **params: object) -> str:
    """The text of a message as the user sees it (HTML parsed away)."""
    return parse(TEXTS.get(lang, key, **params)).text


def first_line(lang: str, key: str, **params: object) -> str:
    return shown(lang, key, **params).splitlines()[0]
