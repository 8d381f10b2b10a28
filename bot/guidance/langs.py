"""The languages Guidance content is written in."""

from typing import Literal, TypeAlias

# Same literal as bot.i18n.Lang, so values pass between the two without casts.
Lang: TypeAlias = Literal["kk", "ru", "en"]
LANGS: tuple[Lang, ...] = ("kk", "ru", "en")
