"""A verdict as message pieces: keys into content/strings/<lang>/passwords.toml and their
parameters, for a renderer to put into the user's language. No words here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from bot.i18n import Html
from bot.passwords.checker import MAX_ANALYSED_LENGTH
from bot.passwords.nca import NCA_FAILURES
from bot.passwords.resources import Resources
from bot.passwords.verdict import PasswordVerdict
from bot.passwords.zxcvbn_keys import EXTRA_SUGGESTIONS, EXTRA_WARNINGS

PREFIX = "passwords."

# Texts the handler shows around a check.
INTRO = PREFIX + "intro"
GROUP_REDIRECT = PREFIX + "group_redirect"
EXPIRED = PREFIX + "expired"
CANCELLED = PREFIX + "cancelled"
DELETE_FAILED = PREFIX + "delete_failed"
NOT_TEXT = PREFIX + "not_text"
OFFER = PREFIX + "offer"
WEBAPP_BUTTON = PREFIX + "webapp_button"
CHAT_BUTTON = PREFIX + "chat_button"
SCREENED = PREFIX + "screened"  # a password sent outside the check was deleted
CHECK_ANOTHER = PREFIX + "check_another"  # the button under a verdict
MENU_BUTTON = PREFIX + "menu_button"
HANDLER_KEYS = (
    INTRO,
    GROUP_REDIRECT,
    EXPIRED,
    CANCELLED,
    DELETE_FAILED,
    NOT_TEXT,
    OFFER,
    WEBAPP_BUTTON,
    CHAT_BUTTON,
    SCREENED,
    CHECK_ANOTHER,
    MENU_BUTTON,
)

STRENGTHS = ("very_weak", "weak", "fair", "good", "strong")  # by zxcvbn score 0-4

_MINUTE = 60
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR
_YEAR = 365 * _DAY
_CENTURY = 100 * _YEAR
# (unit, its length in seconds, where the next unit takes over); counts are rounded.
TIME_UNITS = (
    ("seconds", 1, _MINUTE),
    ("minutes", _MINUTE, _HOUR),
    ("hours", _HOUR, _DAY),
    ("days", _DAY, _YEAR),
    ("years", _YEAR, _CENTURY),
    ("centuries", _CENTURY, 100 * _CENTURY),
)
TIME_KEYS = ("instant", *(unit for unit, _, _ in TIME_UNITS), "eternity")


@dataclass(frozen=True)
class Piece:
    """One text to look up: `key` with `params`; a param that is itself a Piece is rendered
    first and passed in as HTML."""

    key: str
    params: Mapping[str, int | Piece] = field(default_factory=dict)


Section = tuple[Piece, ...]
Translate = Callable[..., str]  # translate(key, **params) → Telegram HTML


def verdict_report(verdict: PasswordVerdict) -> tuple[Section, ...]:
    """The verdict message: sections of lines, in reading order."""
    level = STRENGTHS[verdict.score]
    summary = [
        Piece(
            PREFIX + "verdict.strength",
            {"bar": Piece(f"{PREFIX}bar.{level}"), "strength": Piece(f"{PREFIX}strength.{level}")},
        ),
        Piece(PREFIX + "verdict.crack_time", {"time": crack_time(verdict.crack_time_seconds)}),
    ]
    if verdict.standard_password:
        summary.append(Piece(f"{PREFIX}standard.{verdict.standard_password}"))
    advice = [_item("warning", "warnings", key) for key in verdict.warnings]
    advice += [_item("suggestion", "suggestions", key) for key in verdict.suggestions]
    met = "verdict.nca_met" if verdict.meets_nca_rule else "verdict.nca_not_met"
    rule = [Piece(PREFIX + met)]
    rule += [_item("nca_failure", "nca_failures", key) for key in verdict.nca_failures]
    enough = "verdict.strong_enough" if verdict.strong_enough else "verdict.not_strong_enough"
    conclusion = [Piece(PREFIX + enough)]
    if verdict.truncated:
        conclusion.append(Piece(PREFIX + "verdict.truncated", {"count": MAX_ANALYSED_LENGTH}))
    return tuple(tuple(section) for section in (summary, advice, rule, conclusion) if section)


def crack_time(seconds: float) -> Piece:
    """How long guessing takes, as a count of the largest fitting unit (plural by `count`)."""
    if seconds < 1:
        return Piece(PREFIX + "crack_time.instant")
    for unit, length, limit in TIME_UNITS:
        if seconds < limit:
            count = min(max(1, round(seconds / length)), limit // length - 1)
            return Piece(f"{PREFIX}crack_time.{unit}", {"count": count})
    return Piece(PREFIX + "crack_time.eternity")


def message_keys(res: Resources) -> frozenset[str]:
    """Every key a report or the handler can ask for: each must exist in every language."""
    verdict_lines = (
        "strength",
        "crack_time",
        "warning",
        "suggestion",
        "nca_met",
        "nca_not_met",
        "nca_failure",
        "strong_enough",
        "not_strong_enough",
        "truncated",
    )
    tables = {
        "verdict": verdict_lines,
        "strength": STRENGTHS,
        "bar": STRENGTHS,
        "crack_time": TIME_KEYS,
        "nca_failures": NCA_FAILURES,
        "standard": tuple(res.standard_passwords.values()),
        "warnings": (*res.warning_keys.values(), *EXTRA_WARNINGS),
        "suggestions": (*res.suggestion_keys.values(), *EXTRA_SUGGESTIONS),
    }
    keys = {f"{PREFIX}{table}.{key}" for table, names in tables.items() for key in names}
    return frozenset(keys | set(HANDLER_KEYS))


def render(sections: tuple[Section, ...], translate: Translate) -> str:
    """Sections apart by a blank line, lines by a line break; `translate` is i18n's lookup
    bound to the user's language, e.g. functools.partial(texts.get, lang)."""
    return "\n\n".join("\n".join(_render(piece, translate) for piece in s) for s in sections)


def _render(piece: Piece, translate: Translate) -> str:
    params = {
        name: Html(_render(value, translate)) if isinstance(value, Piece) else value
        for name, value in piece.params.items()
    }
    return translate(piece.key, **params)


def _item(line: str, table: str, key: str) -> Piece:
    return Piece(f"{PREFIX}verdict.{line}", {"text": Piece(f"{PREFIX}{table}.{key}")})
