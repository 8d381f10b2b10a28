"""zxcvbn's English feedback turned into stable message keys, plus what it misses here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from zxcvbn import feedback as zxcvbn_feedback

from bot.passwords.matching import DECORATION, KIND, USER_INPUTS, WRONG_LAYOUT, Match
from bot.passwords.resources import Resources
from bot.passwords.verdict import STRONG_ENOUGH_SCORE

# zxcvbn explains scores up to 2 only. Every password short of strong enough is explained here;
# one that is strong enough is not, so a passphrase is not told off for being made of words.
_ZXCVBN_LAST_EXPLAINED_SCORE = 2

# Keys of our own, next to those mapped from zxcvbn's strings in content/passwords.
EXTRA_WARNINGS = (
    "empty",
    "user_input",
    "wrong_layout_word",
    "cyrillic_common_word",
    "place_name",
    "name_with_year",
    "predictable_additions",
)
EXTRA_SUGGESTIONS = ("avoid_personal_info",)

CAPITALIZATION = "capitalization"
ALL_UPPERCASE = "all_uppercase"

_STOCK_NAME_DICTIONARIES = frozenset({"male_names", "female_names", "surnames"})
_YEAR_RANGE = range(1900, 2050)


def feedback_keys(
    score: int, sequence: Sequence[Match], res: Resources
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(warning keys, suggestion keys) for the match sequence behind `score`."""
    explain = score < STRONG_ENOUGH_SCORE
    stock: dict[str, Any] = zxcvbn_feedback.get_feedback(
        min(score, _ZXCVBN_LAST_EXPLAINED_SCORE) if explain else score, list(sequence)
    )
    # A string missing from the mapping (tests prove none is) is dropped rather than shown.
    warnings = [res.warning_keys[text] for text in [stock["warning"]] if text in res.warning_keys]
    suggestions = [
        res.suggestion_keys[text] for text in stock["suggestions"] if text in res.suggestion_keys
    ]
    if explain and sequence:
        # zxcvbn judges capitals with ASCII regexes: silent on Пароль, and for it claims
        # "all-uppercase". Its advice about them is redone here for any script.
        suggestions = [key for key in suggestions if key not in (CAPITALIZATION, ALL_UPPERCASE)]
        suggestions.extend(_capitals_advice(_longest(sequence)))
        extra_warnings = _weaknesses(sequence)
        warnings.extend(extra_warnings)
        if {"user_input", "name_with_year"} & set(extra_warnings):
            suggestions.append("avoid_personal_info")
    return _unique(warnings), _unique(suggestions)


def _longest(sequence: Sequence[Match]) -> Match:
    # The match zxcvbn's feedback speaks about: the first of the longest.
    return max(sequence, key=lambda match: len(match["token"]))


def _capitals_advice(match: Match) -> list[str]:
    if match["pattern"] != "dictionary":
        return []
    word: str = match["token"]
    if word[0].isupper() and not any(char.isupper() for char in word[1:]) and len(word) > 1:
        return [CAPITALIZATION]
    if any(char.isupper() for char in word) and not any(char.islower() for char in word):
        return [ALL_UPPERCASE]
    return []


def _weaknesses(sequence: Sequence[Match]) -> list[str]:
    keys = []
    has_name = has_year = False
    for match in sequence:
        pattern = match["pattern"]
        if pattern == "dictionary":
            keys.extend(_dictionary_weakness(match))
            has_name |= match.get(KIND) == "names" or (
                match["dictionary_name"] in _STOCK_NAME_DICTIONARIES
            )
        elif pattern == DECORATION:
            keys.append("predictable_additions")
        has_year |= _is_year_like(match)
    if has_name and has_year:
        keys.append("name_with_year")
    return keys


def _dictionary_weakness(match: Match) -> list[str]:
    if match["dictionary_name"] == USER_INPUTS:
        return ["user_input"]
    if match.get(WRONG_LAYOUT):
        return ["wrong_layout_word"]
    kind = match.get(KIND)
    if kind == "walks":
        return ["straight_row"]
    if kind in ("passwords", "words") and not match["token"].isascii():
        return ["cyrillic_common_word"]
    if kind == "places":
        return ["place_name"]
    return []


def _is_year_like(match: Match) -> bool:
    if match["pattern"] == "date":
        return True
    if match["pattern"] == "regex" and match["regex_name"] == "recent_year":
        return True
    digits: str = match["digits"] if match["pattern"] == DECORATION else match["token"]
    if not (digits.isascii() and digits.isdigit()):
        return False
    return len(digits) == 2 or (len(digits) == 4 and int(digits) in _YEAR_RANGE)


def _unique(keys: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(keys))
