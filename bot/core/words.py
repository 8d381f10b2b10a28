"""Words in one language: what a feature's views get instead of the whole Telegram context.

Views are pure functions from data and `Words` to text and buttons, so they are tested
without the harness (`Words(Texts.load(), "en")`) and a handler builds one per update.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from babel.dates import format_date

from bot.i18n import Texts
from bot.runtime import BotContext


@dataclass(frozen=True)
class Words:
    texts: Texts
    lang: str  # a Lang; settings and stored users hand out plain strings

    def __call__(self, key: str, **params: object) -> str:
        """The text for `key` with its parameters (escaped unless marked Html)."""
        return self.texts.get(self.lang, key, **params)

    def date(self, value: date, form: str = "medium") -> str:
        """A calendar date the way this language writes it (babel's "medium" or "long")."""
        return format_date(value, format=form, locale=self.lang)


def words(context: BotContext) -> Words:
    """The update's language: the user's choice, or what the pre-update step settled."""
    return Words(context.deps.texts, context.lang)
