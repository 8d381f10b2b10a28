"""One spelling for every way a word gets typed.

Kazakh, Russian and transliterated Latin fold to one Latin skeleton ("ЭЦП", "ецп" and "ecp" all
become "ecp"; "кілт" and "килт" become "kilt"), so the matcher compares skeletons and never
cares which keyboard the user had.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from bot.guidance.lexicon import Lexicon

Script = Literal["cyrillic", "latin", "other"]

_WORD = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[a-z\u00c0-\u024f]")
# Letters held down or repeated for emphasis ("рахмееет", "thanksss") are one letter.
_REPEAT = re.compile(r"([a-z])\1+")
_COMBINING = dict.fromkeys(range(0x0300, 0x0370))
_SEPARATOR = "\n"
# Markup pasted into a question ("<b>", '<a href="...">') is not what the person wrote: its
# Latin tag and attribute names would outvote a short Russian or Kazakh question.
_TAG = re.compile(r"</?[a-z][a-z0-9]*(?:\s[^<>]*)?/?>", re.IGNORECASE)


def strip_markup(text: str) -> str:
    """Text without HTML tags, with entities (&amp;, &lt;) turned back into characters."""
    if "<" not in text and "&" not in text:
        return text
    return html.unescape(_TAG.sub(" ", text))


@dataclass(frozen=True)
class Token:
    raw: str  # lower-cased as typed
    folded: str  # skeleton; may be "" for a word of signs only (e.g. "ь")
    script: Script


class Folder:
    """Lower-cases, folds letters to the skeleton and splits into words."""

    def __init__(self, fold: Mapping[str, str], rewrites: Sequence[tuple[str, str]]) -> None:
        self._table = str.maketrans(dict(fold))
        self._rewrites = tuple(rewrites)

    @classmethod
    def from_lexicon(cls, lexicon: Lexicon) -> Folder:
        return cls(lexicon.fold, lexicon.rewrites)

    def _fold_text(self, text: str) -> str:
        # Cyrillic first: NFKD would otherwise split "й" and "ё" into a letter and a mark.
        text = unicodedata.normalize("NFKD", text.translate(self._table)).translate(_COMBINING)
        for old, new in self._rewrites:
            text = text.replace(old, new)
        return _REPEAT.sub(r"\1", text)

    def fold(self, word: str) -> str:
        return self._fold_text(unicodedata.normalize("NFC", word).lower())

    def tokens(self, text: str) -> list[Token]:
        raw = _WORD.findall(unicodedata.normalize("NFC", strip_markup(text)).lower())
        # Folding the joined words keeps raw and folded aligned at the cost of one pass.
        folded = self._fold_text(_SEPARATOR.join(raw)).split(_SEPARATOR) if raw else []
        return [Token(r, f, _script(r)) for r, f in zip(raw, folded, strict=True)]

    def words(self, text: str) -> list[str]:
        return [t.folded for t in self.tokens(text) if t.folded]

    def pattern(self, term: str) -> tuple[tuple[str, bool], ...]:
        """A lexicon term as (skeleton, is_prefix) per word; "подпис*" is a prefix."""
        out: list[tuple[str, bool]] = []
        for part in term.split():
            prefix = part.endswith("*")
            words = self.words(part.rstrip("*"))
            out.extend((w, False) for w in words[:-1])
            if words:
                out.append((words[-1], prefix))
        return tuple(out)


def _script(word: str) -> Script:
    if _CYRILLIC.search(word):
        return "cyrillic"
    if _LATIN.search(word):
        return "latin"
    return "other"


# Typos rarely hit the first letters, and guessing there turns "прописаться" into "подписаться".
_FIXED_START = 2


def _variants(word: str) -> set[str]:
    """The word and every way of dropping one later letter: two words within one typo share one."""
    return {word, *(word[:i] + word[i + 1 :] for i in range(_FIXED_START, len(word)))}


class WordPatterns:
    """Skeleton words and prefixes → labels, forgiving one typo in words long enough to judge."""

    def __init__(
        self,
        entries: Iterable[tuple[str, bool, str]],
        *,
        fuzzy_from: int | None = None,
        cache_size: int = 50_000,
    ) -> None:
        self._exact: dict[str, set[str]] = {}
        self._prefix: dict[str, set[str]] = {}
        self._near_exact: dict[str, set[str]] = {}
        self._near_prefix: dict[int, dict[str, set[str]]] = {}
        self._fuzzy_from = fuzzy_from
        for word, is_prefix, label in entries:
            (self._prefix if is_prefix else self._exact).setdefault(word, set()).add(label)
            if fuzzy_from is None or len(word) < fuzzy_from:
                continue
            near = self._near_prefix.setdefault(len(word), {}) if is_prefix else self._near_exact
            for variant in _variants(word):
                near.setdefault(variant, set()).add(label)
        self._prefix_lengths = sorted({len(p) for p in self._prefix})
        # Real chat repeats words a lot; the cache is bounded so odd input cannot grow it.
        self.labels = lru_cache(maxsize=cache_size)(self._labels)

    def _labels(self, word: str, fuzzy: bool = True) -> frozenset[str]:
        found: set[str] = set(self._exact.get(word, ()))
        for length in self._prefix_lengths:
            if length > len(word):
                break
            found.update(self._prefix.get(word[:length], ()))
        if found or not fuzzy or self._fuzzy_from is None or len(word) < self._fuzzy_from:
            return frozenset(found)
        for variant in _variants(word):
            found.update(self._near_exact.get(variant, ()))
        for length, near in self._near_prefix.items():
            # The typo may have eaten a letter of the prefix or added one.
            for cut in (length - 1, length, length + 1):
                if cut > len(word):
                    continue
                for variant in _variants(word[:cut]):
                    found.update(near.get(variant, ()))
        return frozenset(found)

    @staticmethod
    def matches(word: str, pattern: tuple[str, bool]) -> bool:
        stem, is_prefix = pattern
        return word.startswith(stem) if is_prefix else word == stem


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    label: str


class PhraseTagger:
    """Finds lexicon terms (one word or several) in a list of skeleton words."""

    def __init__(
        self,
        folder: Folder,
        terms: Iterable[tuple[str, str]],
        *,
        fuzzy_from: int | None = None,
        no_fuzzy: frozenset[str] = frozenset(),
    ) -> None:
        singles: list[tuple[str, bool, str]] = []
        firsts: list[tuple[str, bool, str]] = []
        self._phrases: list[tuple[tuple[tuple[str, bool], ...], str]] = []
        for term, label in terms:
            pattern = folder.pattern(term)
            if len(pattern) == 1:
                singles.append((*pattern[0], label))
            elif pattern:
                firsts.append((*pattern[0], str(len(self._phrases))))
                self._phrases.append((pattern, label))
        self._singles = WordPatterns(singles, fuzzy_from=fuzzy_from)
        self._firsts = WordPatterns(firsts)
        # Function words ("может") are too short on meaning to be guessed as a typo of a term.
        self._no_fuzzy = no_fuzzy

    def tag(self, words: Sequence[str]) -> list[Span]:
        spans: list[Span] = []
        for i, word in enumerate(words):
            fuzzy = word not in self._no_fuzzy
            spans.extend(Span(i, i + 1, label) for label in self._singles.labels(word, fuzzy))
            for phrase_id in self._firsts.labels(word, False):
                pattern, label = self._phrases[int(phrase_id)]
                end = i + len(pattern)
                if end <= len(words) and all(
                    WordPatterns.matches(w, p)
                    for w, p in zip(words[i + 1 : end], pattern[1:], strict=True)
                ):
                    spans.append(Span(i, end, label))
        return spans
