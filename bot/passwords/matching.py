"""zxcvbn's matchers and search, run over our dictionaries, graphs and patterns.

zxcvbn's own entry point keeps its dictionaries, the user's inputs included, in a module global
that every call rewrites; here each check gets its own view, so concurrent checks (threads) never
see each other's user inputs and stock zxcvbn elsewhere in the process stays stock.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from zxcvbn import matching as zm
from zxcvbn import scoring

from bot.passwords.keyboard import QWERTY
from bot.passwords.resources import CYRILLIC_GRAPH, LEXICON, Resources

Match = dict[str, Any]

USER_INPUTS = "user_inputs"
# Extra match fields: which of our lists a dictionary match came from, and whether the user
# typed a Cyrillic word with the Latin layout on.
KIND = "kz_kind"
WRONG_LAYOUT = "kz_wrong_layout"
DECORATION = "decoration"

# How zxcvbn's feedback should treat a match from each of our lists, by its own dictionary names.
_FEEDBACK_AS = {
    "passwords": "passwords",
    "walks": "passwords",
    "words": "english_wikipedia",
    "names": "male_names",
    "places": "english_wikipedia",
}

# zxcvbn 4.5.0 stops "recent years" at 2019.
_REGEXEN = {"recent_year": re.compile(r"19\d\d|20[0-4]\d")}

# l33t matching re-runs every dictionary once per substitution set, and the sets multiply with
# each ambiguous character: a string of l33t characters alone takes zxcvbn seconds. Real
# passwords need one or two, so beyond this product of choices (about twice as many sets, as
# characters like 1 stand for two letters) the rarest substitutions are left out.
MAX_L33T_CHOICES = 8

# Digits and symbols stuck to a word ("Астана2024!") are the first thing cracking rules try;
# zxcvbn would charge them as two extra patterns and call the result strong.
_SYMBOL = r"[!-/:-@\[-`{-~]"
_DIGITS_THEN_SYMBOLS = re.compile(rf"([0-9]+)({_SYMBOL}+)")
_SYMBOLS_THEN_DIGITS = re.compile(rf"({_SYMBOL}+)([0-9]+)")
MAX_DECORATION_DIGITS = 4
MAX_DECORATION_SYMBOLS = 3
# The dozen symbols of the digit row cover nearly all that people append.
GUESSES_PER_SYMBOL = 10

_GREEDY_REPEAT = re.compile(r"(.+)\1+")
_LAZY_REPEAT = re.compile(r"(.+?)\1+")
_LAZY_ANCHORED_REPEAT = re.compile(r"^(.+?)\1+$")


@dataclass(frozen=True)
class Analysis:
    guesses: Decimal
    sequence: tuple[Match, ...]


class Analyzer:
    """One check's view: shared dictionaries plus this user's own name and username."""

    def __init__(self, res: Resources, context: Sequence[str]) -> None:
        self._res = res
        self._dictionaries = {**res.dictionaries, USER_INPUTS: zm.build_ranked_dict(context)}

    def analyse(self, password: str) -> Analysis:
        """The cheapest way to guess `password` as a sequence of matches (zxcvbn's search)."""
        if not password:
            return Analysis(Decimal(1), ())  # zxcvbn's search fails on an empty string
        matches = self._matches(password)
        for match in matches:
            self._estimate(match, password)
        result: dict[str, Any] = scoring.most_guessable_match_sequence(password, matches)
        return Analysis(Decimal(result["guesses"]), tuple(result["sequence"]))

    def _matches(self, password: str) -> list[Match]:
        dictionaries = self._dictionaries
        matches: list[Match] = [
            *zm.dictionary_match(password, dictionaries),
            *zm.reverse_dictionary_match(password, dictionaries),
            *zm.l33t_match(
                password, _ranked_dictionaries=dictionaries, _l33t_table=_l33t_table(password)
            ),
            *zm.spatial_match(password, _graphs=self._res.graphs),
            *self._repeat_matches(password),
            *zm.sequence_match(password),
            *zm.regex_match(password, _regexen=_REGEXEN),
            *zm.date_match(password),
            *self._decoration_matches(password),
            *self._shifted_layout_matches(password),
        ]
        matches.sort(key=lambda match: (match["i"], match["j"]))
        return matches

    def _shifted_layout_matches(self, password: str) -> list[Match]:
        """Wrong-layout words typed with a capital whose key gives a symbol: "{ktu" is Хлеб,
        the { being the shifted [ key. Matched as if unshifted; the capital is priced below."""
        shifted = self._res.spelling.layout.shifted_symbols
        if not any(char in shifted for char in password):
            return []
        plain = "".join(shifted.get(char, char) for char in password)
        matches: list[Match] = zm.dictionary_match(plain, {LEXICON: self._res.lexicon.ranked})
        found = []
        for match in matches:
            token = password[match["i"] : match["j"] + 1]
            if any(char in shifted for char in token):
                match["token"] = token
                found.append(match)
        return found

    def _repeat_matches(self, password: str) -> list[Match]:
        # zxcvbn's repeat matcher scores the repeated part with its global matchers; this is the
        # same search scoring it with ours.
        matches = []
        start = 0
        while start < len(password):
            greedy = _GREEDY_REPEAT.search(password, start)
            lazy = _LAZY_REPEAT.search(password, start)
            if greedy is None or lazy is None:
                break
            if len(greedy[0]) > len(lazy[0]):
                found = greedy
                anchored = _LAZY_ANCHORED_REPEAT.match(greedy[0])
                base = anchored[1] if anchored else greedy[1]
            else:
                found, base = lazy, lazy[1]
            analysis = self.analyse(base)
            matches.append(
                {
                    "pattern": "repeat",
                    "i": found.start(),
                    "j": found.end() - 1,
                    "token": found[0],
                    "base_token": base,
                    "base_guesses": analysis.guesses,
                    "base_matches": list(analysis.sequence),
                    "repeat_count": len(found[0]) / len(base),
                }
            )
            start = found.end()
        return matches

    def _decoration_matches(self, password: str) -> list[Match]:
        @cache
        def digit_guesses(digits: str) -> Decimal:
            return self.analyse(digits).guesses

        return [
            {
                "pattern": DECORATION,
                "i": start,
                "j": end - 1,
                "token": password[start:end],
                "digits": digits,
                "decoration_guesses": digit_guesses(digits) * GUESSES_PER_SYMBOL**symbols,
            }
            for start, end, digits, symbols in _decorations(password)
        ]

    def _estimate(self, match: Match, password: str) -> None:
        """Guesses for the matches zxcvbn would misjudge; it estimates the rest itself."""
        if match["pattern"] == "dictionary":
            capitals = match["token"]
            if match["dictionary_name"] == LEXICON:
                entry = self._res.lexicon.entries[match["matched_word"]]
                match[KIND] = entry.kind
                match[WRONG_LAYOUT] = entry.wrong_layout
                match["dictionary_name"] = _FEEDBACK_AS[entry.kind]
                if entry.wrong_layout:
                    # The capitals the person typed are Cyrillic ones: { is Х.
                    capitals = self._res.spelling.layout.as_cyrillic(capitals)
            _preset(match, password, _dictionary_guesses(match, capitals))
        elif match["pattern"] == "spatial" and match["graph"] == CYRILLIC_GRAPH:
            # zxcvbn counts a shifted first key only on its own Latin graphs, and prices walks
            # on any graph it does not know as keypad walks; ЙЦУКЕН has QWERTY's geometry.
            if password[match["i"]] in self._res.spelling.layout.cyrillic_shifted:
                match["shifted_count"] += 1
            _preset(match, password, Decimal(scoring.spatial_guesses({**match, "graph": QWERTY})))
        elif match["pattern"] == DECORATION:
            _preset(match, password, match["decoration_guesses"])


def _decorations(password: str) -> Iterator[tuple[int, int, str, int]]:
    """(start, end, digits, number of symbols) for a short run of digits and symbols next to
    it; longer runs of digits are patterns of their own (dates, phone numbers)."""
    for found in _DIGITS_THEN_SYMBOLS.finditer(password):
        digits, symbols, joint = found[1], found[2], found.start(2)
        if len(digits) <= MAX_DECORATION_DIGITS:
            for s in range(1, min(len(symbols), MAX_DECORATION_SYMBOLS) + 1):
                yield found.start(), joint + s, digits, s
    for found in _SYMBOLS_THEN_DIGITS.finditer(password):
        symbols, digits = found[1], found[2]
        if len(digits) <= MAX_DECORATION_DIGITS:
            for s in range(1, min(len(symbols), MAX_DECORATION_SYMBOLS) + 1):
                yield found.start(2) - s, found.end(), digits, s


def _preset(match: Match, password: str, guesses: Decimal) -> None:
    # The floor zxcvbn's estimate_guesses puts under any match shorter than the password.
    if len(match["token"]) == len(password):
        floor = 1
    elif len(match["token"]) == 1:
        floor = scoring.MIN_SUBMATCH_GUESSES_SINGLE_CHAR
    else:
        floor = scoring.MIN_SUBMATCH_GUESSES_MULTI_CHAR
    match["guesses"] = max(guesses, Decimal(floor))
    match["guesses_log10"] = math.log10(match["guesses"])


def _dictionary_guesses(match: Match, capitals: str) -> Decimal:
    # zxcvbn's dictionary estimate, with capitals recognised in any script (its regexes are
    # ASCII-only, so Пароль counted as lower case); `capitals` is the token as typed, or as
    # read on the layout it was meant for.
    match["base_guesses"] = match["rank"]
    match["uppercase_variations"] = uppercase_variations(capitals)
    match["l33t_variations"] = scoring.l33t_variations(match)
    reversed_variations = 2 if match["reversed"] else 1
    return (
        Decimal(match["rank"])
        * Decimal(match["uppercase_variations"])
        * Decimal(match["l33t_variations"])
        * reversed_variations
    )


def uppercase_variations(word: str) -> int:
    """zxcvbn's count of capitalisations an attacker tries, for any script."""
    upper = sum(char.isupper() for char in word)
    lower = sum(char.islower() for char in word)
    if upper == 0:
        return 1
    if lower == 0 or (upper == 1 and (word[0].isupper() or word[-1].isupper())):
        return 2
    return sum(math.comb(upper + lower, k) for k in range(1, min(upper, lower) + 1))


def _l33t_table(password: str) -> dict[str, list[str]]:
    table: dict[str, list[str]] = zm.relevant_l33t_subtable(password, zm.L33T_TABLE)
    # zxcvbn lists each letter's substitutions most common first, and its letters in order.
    while math.prod(len(subs) for subs in table.values()) > MAX_L33T_CHOICES:
        widest = max(reversed(table), key=lambda letter: len(table[letter]))
        table[widest] = table[widest][:-1]
    return table
