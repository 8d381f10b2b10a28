"""Does a chat message give away the secret of an e-signature? Telegram-free.

The vocabulary lives in content/groups/credentials.toml (its header explains the rule); this
module only tokenises and applies it. Tuned for few false alarms: a message is deleted on the
strength of this answer, and a guard that deletes ordinary chatter gets switched off.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from bot.i18n import CONTENT_DIR

CONTENT_FILE = Path("groups") / "credentials.toml"
_PATTERN_LISTS = (
    "context",
    "secret",
    "other_objects",
    "filler",
    "separators",
    "advice_before",
    "advice_anywhere",
    "reference_words",
    "not_values",
    "common_passwords",
)
# NCA's rule for key passwords is at least six Latin letters and digits; a PIN of a token is
# eight or ten digits. Anything longer than this is a key or a hash, not something typed.
MIN_VALUE = 6
MAX_VALUE = 64
# How far back from a secret's name a separated value may stand ("123456 - это пароль").
MAX_TOKENS_BEFORE = 4
# How many words around a secret's name may say what it belongs to ("пароль от гостевого wifi",
# "wifi паролі").
OWNER_WORDS_AFTER = 2
OWNER_WORDS_BEFORE = 2

_OPEN = "\"'«“„`([{<"
_CLOSE = "\"'»”`)]}>.,!?;…"
_SENTENCE_END = frozenset(".!?…")
_DASHES = frozenset("-–—")
# ":" and "=" split words, except between digits (10:00) where they are part of a value.
_SPLIT_PUNCT = re.compile(r"(?<!\d)([:=])|([:=])(?!\d)")
_DATE_OR_NUMBER_RANGE = re.compile(r"\d+(?:[./-]\d+)+")
_TIME = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?")
_PHONE = re.compile(r"\+\d+|(?:8|7)7\d{9}")
_DOMAIN = re.compile(r"(?:[\w-]+\.)+[a-z]{2,6}")
_FILE_NAME = re.compile(r".+\.(?:p12|pfx|jks|key|cer|crt|pem|pdf|docx?|xlsx?|zip|rar|txt)")


class CredentialContentError(ValueError):
    """content/groups/credentials.toml failed validation; `problems` names each entry."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0] if len(problems) == 1 else f"{len(problems)} content problems")
        self.problems = problems


@dataclass(frozen=True)
class _Token:
    text: str  # as written, without surrounding quotes and punctuation
    lower: str
    ends_sentence: bool
    is_separator_mark: bool  # a lone ":", "=" or dash


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _lower(text: str) -> str:
    return text.lower().replace("ё", "е")


def tokenize(text: str) -> list[_Token]:
    spaced = _SPLIT_PUNCT.sub(lambda m: f" {m.group(1) or m.group(2)} ", _normalise(text))
    tokens: list[_Token] = []
    for raw in spaced.split():
        if raw in (":", "=") or set(raw) <= _DASHES:
            tokens.append(_Token(raw, raw, ends_sentence=False, is_separator_mark=True))
            continue
        core = raw.lstrip(_OPEN).rstrip(_CLOSE)
        trailing = raw[len(raw.lstrip(_OPEN)) + len(core) :]
        # "e.g." and "pki.gov.kz." keep their dots; a dot after a plain word ends a sentence.
        ends = bool(set(trailing) & _SENTENCE_END) and not ("." in core and "!" not in trailing)
        if core:
            tokens.append(_Token(core, _lower(core), ends, is_separator_mark=False))
        elif ends and tokens:
            last = tokens[-1]
            tokens[-1] = _Token(last.text, last.lower, True, last.is_separator_mark)
    return tokens


def _words(patterns: Iterable[str]) -> re.Pattern[str]:
    """Whole words (a hyphen ends a word, so ЭЦҚ-ның is ЭЦҚ), matched in lower-cased text."""
    return re.compile(r"(?<![\w-])(?:" + "|".join(f"(?:{p})" for p in patterns) + r")(?!\w)")


def _exact(patterns: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


@dataclass(frozen=True)
class _Text:
    """A message's tokens, and the same tokens joined so phrases can span several words."""

    tokens: list[_Token]
    joined: str
    starts: list[int]

    @classmethod
    def of(cls, text: str) -> _Text:
        tokens = tokenize(text)
        starts: list[int] = []
        offset = 0
        for token in tokens:
            starts.append(offset)
            offset += len(token.lower) + 1
        return cls(tokens, " ".join(t.lower for t in tokens), starts)

    def covered(self, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
        """Token ranges (first, last) the pattern's matches cover."""
        ranges = []
        for match in pattern.finditer(self.joined):
            first = bisect_right(self.starts, match.start()) - 1
            last = bisect_right(self.starts, match.end() - 1) - 1
            ranges.append((first, last))
        return ranges

    def span(self, first: int, last: int) -> str:
        end = self.starts[last] + len(self.tokens[last].lower)
        return self.joined[self.starts[first] : end]


class CredentialDetector:
    """`shares_secret(text)`: True when a message gives away an e-signature's secret."""

    def __init__(self, config: dict[str, Any]) -> None:
        patterns = config["patterns"]
        self.max_words_between = int(config["max_words_between"])
        self._context = _words(patterns["context"])
        self._secret = _words(patterns["secret"])
        self._other_objects = _words(patterns["other_objects"])
        self._filler = _words(patterns["filler"])
        self._separators = _exact(patterns["separators"])
        self._advice_before = _words(patterns["advice_before"])
        self._advice_anywhere = _words(patterns["advice_anywhere"])
        self._reference = _words(patterns["reference_words"])
        self._not_values = _exact(patterns["not_values"])
        self._common = frozenset(_lower(p) for p in patterns["common_passwords"])

    def shares_secret(self, message: str) -> bool:
        text = _Text.of(message)
        if not text.tokens:
            return False
        context = {i for a, b in text.covered(self._context) for i in range(a, b + 1)}
        if not context:
            return False
        for first, last in text.covered(self._secret):
            if self._belongs_elsewhere(text, first, last, context):
                continue
            value = self._value_after(text, last, context)
            if value is None:
                value = self._value_before(text, first, context)
            if value is not None and not self._is_advice(text, min(first, value), value):
                return True
        return False

    # ---- the parts of the rule ---------------------------------------------------------------

    def _is_separator(self, token: _Token) -> bool:
        return token.is_separator_mark or self._separators.fullmatch(token.lower) is not None

    def _is_filler(self, token: _Token) -> bool:
        return self._filler.fullmatch(token.lower) is not None

    def _belongs_elsewhere(self, text: _Text, first: int, last: int, context: set[int]) -> bool:
        tokens = text.tokens
        seen = 0
        for after in range(last + 1, len(tokens)):
            if tokens[after - 1].ends_sentence or seen == OWNER_WORDS_AFTER:
                break
            if self._is_filler(tokens[after]) or self._is_separator(tokens[after]):
                continue
            if after in context:
                break
            if self._other_objects.match(tokens[after].lower):
                return True
            seen += 1
        for before in range(first - 1, max(first - 1 - OWNER_WORDS_BEFORE, -1), -1):
            if tokens[before].ends_sentence:
                break
            if self._other_objects.match(tokens[before].lower):
                return True
        return False

    def _value_after(self, text: _Text, last: int, context: set[int]) -> int | None:
        tokens = text.tokens
        if tokens[last].ends_sentence:
            return None
        words = 0
        for index in range(last + 1, len(tokens)):
            token = tokens[index]
            if self._is_value(text, index):
                return index
            if not (self._is_separator(token) or self._is_filler(token) or index in context):
                words += 1
                if words > self.max_words_between:
                    return None
            if token.ends_sentence:
                return None
        return None

    def _value_before(self, text: _Text, first: int, context: set[int]) -> int | None:
        """Only with a separator in between: "Qwerty12 - пароль от ЭЦП", "123456 это пароль"."""
        tokens = text.tokens
        separated = False
        for index in range(first - 1, max(first - 1 - MAX_TOKENS_BEFORE, -1), -1):
            token = tokens[index]
            if token.ends_sentence:
                return None
            if self._is_separator(token):
                separated = True
            elif separated and self._is_value(text, index):
                return index
            elif not (self._is_filler(token) or index in context):
                return None
        return None

    def _is_value(self, text: _Text, index: int) -> bool:
        token = text.tokens[index]
        value, lower = token.text, token.lower
        if token.is_separator_mark or not MIN_VALUE <= len(value) <= MAX_VALUE:
            return False
        if not (value.isascii() and value.isprintable()) or "@" in value or "://" in value:
            return False
        if any(
            pattern.fullmatch(lower)
            for pattern in (
                self._not_values,
                _DATE_OR_NUMBER_RANGE,
                _TIME,
                _PHONE,
                _DOMAIN,
                _FILE_NAME,
            )
        ):
            return False
        if self._follows_reference_word(text, index):
            return False
        return any(c.isdigit() for c in value) or lower in self._common

    def _follows_reference_word(self, text: _Text, index: int) -> bool:
        previous = index - 1
        while previous >= 0 and text.tokens[previous].is_separator_mark:
            previous -= 1
        return previous >= 0 and self._reference.fullmatch(text.tokens[previous].lower) is not None

    def _is_advice(self, text: _Text, start: int, value: int) -> bool:
        tokens = text.tokens
        first = start
        while first > 0 and not tokens[first - 1].ends_sentence:
            first -= 1
        last = value
        while last < len(tokens) - 1 and not tokens[last].ends_sentence:
            last += 1
        if self._advice_anywhere.search(text.span(first, last)):
            return True
        return value > first and self._advice_before.search(text.span(first, value - 1)) is not None


# ---- loading ---------------------------------------------------------------------------------


def read_detector(content_dir: Path) -> CredentialDetector:
    path = content_dir / CONTENT_FILE
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CredentialContentError([f"{path}: cannot read: {exc.strerror}"]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CredentialContentError([f"{path}: not valid TOML: {exc}"]) from None
    problems = _validate(path, config)
    if problems:
        raise CredentialContentError(problems)
    return CredentialDetector(config)


def _validate(path: Path, config: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    limit = config.get("max_words_between")
    if not isinstance(limit, int) or isinstance(limit, bool) or not 0 <= limit <= 10:
        problems.append(f"{path}: max_words_between: expected a whole number from 0 to 10")
    patterns = config.get("patterns")
    if not isinstance(patterns, dict):
        return [*problems, f"{path}: [patterns]: missing"]
    for name in _PATTERN_LISTS:
        entries = patterns.get(name)
        if not isinstance(entries, list) or not entries:
            problems.append(f"{path}: patterns.{name}: expected a non-empty list")
            continue
        for number, entry in enumerate(entries, 1):
            if not isinstance(entry, str) or not entry:
                problems.append(f"{path}: patterns.{name}[{number}]: expected text")
                continue
            try:
                re.compile(entry)
            except re.error as exc:
                problems.append(f"{path}: patterns.{name}[{number}] {entry!r}: {exc}")
    return problems


def check_content(content_dir: Path = CONTENT_DIR) -> list[str]:
    try:
        read_detector(content_dir)
    except CredentialContentError as exc:
        return exc.problems
    return []


@cache
def detector() -> CredentialDetector:
    """The shipped vocabulary, loaded on first use (a filter needs it before any update)."""
    return read_detector(CONTENT_DIR)


def shares_secret(message: str) -> bool:
    return detector().shares_secret(message)
