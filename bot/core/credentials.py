"""Does a message give a password away? Telegram-free, shared by every feature that asks.

The vocabulary lives in content/core/credentials.toml (its header explains the rules); this
module only tokenises and applies it. Three questions, one tokenisation:

- `shares_secret`: the work-chat guard's rule. An e-signature is named, a secret is named, and
  a value shaped like it stands close by. Tuned for few false alarms: a message in a group is
  deleted on the strength of this answer, and a guard that deletes chatter gets switched off.
- `holds_password`: the private chat's rule. Nobody but the password check should ever see a
  password, so it is broader: a password-shaped message on its own, a secret's name followed by
  a value ("is my password Kairat1985kz ok?"), or a token no word looks like (letters and digits
  mixed, eight characters or more) anywhere.
- `looks_secret`: one word, for scrubbing text before it is kept.

Every scan is linear in the message: it is tokenised once, each token is judged once, the
windows that look for a value near a secret's name are bounded, and what a sentence says about
advice is worked out once per sentence. A 4,096-character message costs a few milliseconds
whatever it holds (tests/benchmarks/bench_detectors.py).
"""

from __future__ import annotations

import asyncio
import re
import tomllib
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from bot import content
from bot.i18n import CONTENT_DIR

CONTENT_FILE = Path("core") / "credentials.toml"
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
# A token found anywhere counts as a password without a secret's name near it only when no
# ordinary word looks like it: letters and digits mixed, and at least this long.
MIN_STRONG = 8
# Longer text is judged in a worker thread: a scan of Telegram's 4,096 characters costs a few
# milliseconds of CPU, which other users' updates need not wait for.
OFF_LOOP_CHARS = 1024
# How far back from a secret's name a separated value may stand ("123456 - это пароль").
MAX_TOKENS_BEFORE = 4
# How far after a secret's name its value is looked for, in tokens of any kind. Words that do
# not count against `max_words_between` (filler, separators, e-signature words) are rarely
# more than a handful in a row; the bound keeps a scan linear in the message whatever it holds.
MAX_TOKENS_AFTER = 16
# How many words around a secret's name may say what it belongs to ("пароль от гостевого wifi",
# "wifi паролі").
OWNER_WORDS_AFTER = 2
OWNER_WORDS_BEFORE = 2

_OPEN = "\"'«“„`([{<"
_CLOSE = "\"'»”`)]}>.,!?;…"
_SENTENCE_END = frozenset(".!?…")
_DASHES = frozenset("-–—")
# Inside a word these are spelling ("ЭЦҚ-ның", "don't", "egov.kz"); any other sign inside one
# is what passwords are made of.
_WORD_SIGNS = frozenset("-–—'’.")
# ":" and "=" split words, except between digits (10:00) where they are part of a value.
_SPLIT_PUNCT = re.compile(r"(?<!\d)([:=])|([:=])(?!\d)")
_DATE_OR_NUMBER_RANGE = re.compile(r"\d+(?:[./-]\d+)+")
_TIME = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?")
_PHONE = re.compile(r"\+\d+|(?:8|7)7\d{9}")
_DOMAIN = re.compile(r"(?:[\w-]+\.)+[a-z]{2,6}")
# Markup and web addresses are not what a person types as a password: a question pasted with
# its HTML, or a link to pki.gov.kz, must reach guidance. Bounded, so the scan stays linear.
_MARKUP_OR_ADDRESS = re.compile(
    r"</?(?:a|b|i|u|s|em|strong|ins|del|strike|code|pre|span|tg-spoiler|blockquote|br|p|div)"
    r"(?:\s[^<>\n]{0,200})?/?>"
    r"|(?:https?://|www\.)[^\s<>\"']{1,300}",
    re.IGNORECASE,
)
_FILE_NAME = re.compile(r".+\.(?:p12|pfx|jks|key|cer|crt|pem|pdf|docx?|xlsx?|zip|rar|txt)")
_NEVER_VALUES = (_DATE_OR_NUMBER_RANGE, _TIME, _PHONE, _DOMAIN, _FILE_NAME)
_WORD_CACHE = 8192
# The shapes of a value: in a work chat, in a private chat, and anywhere without a secret's name.
_GROUP, _PRIVATE, _STRONG = "group", "private", "strong"


class CredentialContentError(content.ContentError):
    """content/core/credentials.toml failed validation; `problems` names each entry."""


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


def _has_letter_and_digit(text: str) -> bool:
    return any(c.isdigit() for c in text) and any(c.isalpha() for c in text)


def _has_inner_sign(text: str) -> bool:
    """A sign inside a word ("Zq!x", "pa$$word"), not at its ends and not one of spelling."""
    return any(not (c.isalnum() or c in _WORD_SIGNS) for c in text[1:-1])


@dataclass
class _Text:
    """A message's tokens, the same tokens joined so phrases can span several words, and what
    has been worked out about them so far (each thing once)."""

    tokens: list[_Token]
    joined: str
    starts: list[int]
    sentence_of: list[int]  # token → index of the first token of its sentence
    sentence_end: dict[int, int]  # first token of a sentence → its last token
    skippable: list[bool] = field(default_factory=list)  # a separator or filler
    separator: list[bool] = field(default_factory=list)
    next_sentence_end: list[int] = field(default_factory=list)  # token → first end at or after
    values: dict[str, list[bool | None]] = field(default_factory=dict)  # rule → token → answer
    next_value: dict[str, list[int]] = field(default_factory=dict)
    per_sentence: dict[tuple[str, int], object] = field(default_factory=dict)
    _counted: list[int] | None = None

    @classmethod
    def of(cls, text: str) -> _Text:
        tokens = tokenize(text)
        starts: list[int] = []
        sentence_of: list[int] = []
        sentence_end: dict[int, int] = {}
        offset = 0
        first = 0
        for index, token in enumerate(tokens):
            starts.append(offset)
            offset += len(token.lower) + 1
            sentence_of.append(first)
            sentence_end[first] = index
            if token.ends_sentence:
                first = index + 1
        return cls(tokens, " ".join(t.lower for t in tokens), starts, sentence_of, sentence_end)

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

    def token_at(self, offset: int) -> int:
        return bisect_right(self.starts, offset) - 1

    def counted(self, context: set[int]) -> list[int]:
        """Prefix counts of the words that count between a secret's name and its value: all
        but separators, filler and e-signature words (`context`, one set per message)."""
        if self._counted is None:
            self._counted = [0] * (len(self.tokens) + 1)
            for index, skip in enumerate(self.skippable):
                self._counted[index + 1] = self._counted[index] + (not (skip or index in context))
        return self._counted


class CredentialDetector:
    """The rules of content/core/credentials.toml; see the module's docstring."""

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
        # Chat repeats its words; bounded, so odd input cannot grow them.
        self._word_kind = lru_cache(maxsize=_WORD_CACHE)(self._kind_of_word)
        self._never_value = lru_cache(maxsize=_WORD_CACHE)(self._is_never_value)

    # ---- the questions ------------------------------------------------------------------------

    def shares_secret(self, message: str) -> bool:
        """The work-chat rule: an e-signature's secret with its value, and not as advice."""
        text = self._read(message)
        if not text.tokens:
            return False
        context = {i for a, b in text.covered(self._context) for i in range(a, b + 1)}
        if not context:
            return False
        for first, last in text.covered(self._secret):
            if self._belongs_elsewhere(text, first, last, context):
                continue
            value = self._value_after(text, last, context, _GROUP)
            if value is None:
                value = self._value_before(text, first, context, _GROUP)
            if value is not None and not self._is_advice(text, value):
                return True
        return False

    def holds_password(self, message: str) -> bool:
        """The private-chat rule: a password on its own, after a secret's name, or a token no
        word looks like anywhere. Whatever the password is for, and whatever the sentence says
        about it: in a private chat nothing but the check should see one."""
        plain = _MARKUP_OR_ADDRESS.sub(" ", _without_command_slash(message))
        text = self._read(plain)
        words = [i for i, token in enumerate(text.tokens) if not token.is_separator_mark]
        if not words:
            return False
        if len(words) == 1 and self._is_value(text, words[0], _PRIVATE):
            return True
        secrets = text.covered(self._secret)
        if secrets:
            # E-signature words between the name and the value do not count, as in a group.
            context = {i for a, b in text.covered(self._context) for i in range(a, b + 1)}
            for first, last in secrets:
                if self._value_after(text, last, context, _PRIVATE) is not None:
                    return True
                if self._value_before(text, first, context, _PRIVATE) is not None:
                    return True
        return any(self._is_value(text, index, _STRONG) for index in words)

    def looks_secret(self, word: str) -> bool:
        """One word that must not be kept: letters and digits mixed, a sign inside it, a small
        letter followed by a capital ("qWerty"), or a common password."""
        core = _normalise(word).lstrip(_OPEN).rstrip(_CLOSE)
        if not core:
            return False
        if _has_letter_and_digit(core) or _has_inner_sign(core):
            return True
        if any(a.islower() and b.isupper() for a, b in pairwise(core)):
            return True
        return _lower(core) in self._common

    # ---- the parts of the rules ---------------------------------------------------------------

    def _read(self, message: str) -> _Text:
        text = _Text.of(message)
        for token in text.tokens:
            separator, filler = (
                (True, False) if token.is_separator_mark else self._word_kind(token.lower)
            )
            text.separator.append(separator)
            text.skippable.append(separator or filler)
        size = len(text.tokens)
        text.next_sentence_end = [size] * (size + 1)
        for index in range(size - 1, -1, -1):
            ends = text.tokens[index].ends_sentence
            text.next_sentence_end[index] = index if ends else text.next_sentence_end[index + 1]
        return text

    def _kind_of_word(self, lower: str) -> tuple[bool, bool]:
        """(a separator, filler) for one lower-cased word."""
        return (
            self._separators.fullmatch(lower) is not None,
            self._filler.fullmatch(lower) is not None,
        )

    def _belongs_elsewhere(self, text: _Text, first: int, last: int, context: set[int]) -> bool:
        tokens = text.tokens
        seen = 0
        for after in range(last + 1, min(len(tokens), last + 1 + MAX_TOKENS_AFTER)):
            if tokens[after - 1].ends_sentence or seen == OWNER_WORDS_AFTER:
                break
            if text.skippable[after]:
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

    def _value_after(self, text: _Text, last: int, context: set[int], rule: str) -> int | None:
        """The first value after a secret's name, before the sentence ends, with at most
        `max_words_between` words that count in between (filler, separators and e-signature
        words do not), within MAX_TOKENS_AFTER tokens. Answered from prefix tables, so a
        message naming hundreds of secrets costs no more than one naming one."""
        if text.tokens[last].ends_sentence:
            return None
        start = last + 1
        value = self._next_value(text, rule)[start]
        if value == len(text.tokens) or value - last > MAX_TOKENS_AFTER:
            return None
        if text.next_sentence_end[start] < value:
            return None
        counted = text.counted(context)
        return value if counted[value] - counted[start] <= self.max_words_between else None

    def _value_before(self, text: _Text, first: int, context: set[int], rule: str) -> int | None:
        """Only with a separator in between: "Qwerty12 - пароль от ЭЦП", "123456 это пароль"."""
        tokens = text.tokens
        separated = False
        for index in range(first - 1, max(first - 1 - MAX_TOKENS_BEFORE, -1), -1):
            if tokens[index].ends_sentence:
                return None
            if text.separator[index]:
                separated = True
            elif separated and self._is_value(text, index, rule):
                return index
            elif not (text.skippable[index] or index in context):
                return None
        return None

    def _next_value(self, text: _Text, rule: str) -> list[int]:
        """For each token, the first value at or after it (len(tokens) when none)."""
        found = text.next_value.get(rule)
        if found is None:
            size = len(text.tokens)
            found = [size] * (size + 1)
            for index in range(size - 1, -1, -1):
                found[index] = index if self._is_value(text, index, rule) else found[index + 1]
            text.next_value[rule] = found
        return found

    def _is_value(self, text: _Text, index: int, rule: str) -> bool:
        """Is this token a secret's value under `rule`? Decided once per token and rule."""
        answers = text.values.get(rule)
        if answers is None:
            answers = text.values[rule] = [None] * len(text.tokens)
        answer = answers[index]
        if answer is None:
            answer = answers[index] = self._judge_value(text, index, rule)
        return answer

    def _judge_value(self, text: _Text, index: int, rule: str) -> bool:
        token = text.tokens[index]
        value = token.text
        if token.is_separator_mark or not MIN_VALUE <= len(value) <= MAX_VALUE:
            return False
        if rule == _GROUP:
            # NCA's rule: Latin letters and digits.
            shaped = value.isascii() and (
                any(c.isdigit() for c in value) or token.lower in self._common
            )
        elif rule == _PRIVATE:
            # Any alphabet (people type "Пароль123"), and a sign inside a word counts too.
            shaped = (
                any(c.isdigit() for c in value)
                or token.lower in self._common
                or _has_inner_sign(value)
            )
        else:  # _STRONG: no ordinary word looks like it, so no name of a secret is needed
            shaped = len(value) >= MIN_STRONG and (
                _has_letter_and_digit(value) or _has_inner_sign(value)
            )
        if not shaped or self._never_value(value, token.lower):
            return False
        return not self._follows_reference_word(text, index)

    def _is_never_value(self, value: str, lower: str) -> bool:
        """Shaped like a value but something else: a date, phone, domain, e-mail, file name…"""
        if not value.isprintable() or "@" in value or "://" in value:
            return True
        if self._not_values.fullmatch(lower):
            return True
        return any(pattern.fullmatch(lower) for pattern in _NEVER_VALUES)

    def _follows_reference_word(self, text: _Text, index: int) -> bool:
        previous = index - 1
        floor = max(0, index - MAX_TOKENS_BEFORE)
        while previous >= floor and text.tokens[previous].is_separator_mark:
            previous -= 1
        return previous >= 0 and self._reference.fullmatch(text.tokens[previous].lower) is not None

    def _is_advice(self, text: _Text, value: int) -> bool:
        """The value's sentence says it is an example of what not to do: anywhere in it, or
        before the value. Worked out once per sentence, however many secrets it names."""
        first = text.sentence_of[value]
        key = ("advice", first)
        found = text.per_sentence.get(key)
        if not isinstance(found, tuple):
            sentence = text.span(first, text.sentence_end[first])
            anywhere = self._advice_anywhere.search(sentence) is not None
            # The token where the first advice ends; past the sentence when there is none.
            base = text.starts[first]
            ends = [
                text.token_at(base + match.end() - 1)
                for match in self._advice_before.finditer(sentence)
            ]
            found = text.per_sentence[key] = (anywhere, min(ends, default=len(text.tokens)))
        anywhere, earliest = found
        return bool(anywhere) or (value > first and int(earliest) < value)


def _without_command_slash(message: str) -> str:
    """ "/Kairat1985kz" and "/password X" are read without their slash."""
    stripped = message.lstrip()
    return stripped[1:] if stripped.startswith("/") else message


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


# The vocabulary of the content directory in use, loaded on first use (a filter needs it
# before any update).
detector = content.per_directory(read_detector)


def shares_secret(message: str) -> bool:
    return detector().shares_secret(message)


def holds_password(message: str) -> bool:
    return detector().holds_password(message)


def looks_secret(word: str) -> bool:
    return detector().looks_secret(word)


async def off_loop(question: Callable[[str], bool], text: str) -> bool:
    """Ask `question` about `text`; a long text in a worker thread, so that the event loop, and
    everyone else's updates, run on meanwhile."""
    if len(text) <= OFF_LOOP_CHARS:
        return question(text)
    return await asyncio.to_thread(question, text)
