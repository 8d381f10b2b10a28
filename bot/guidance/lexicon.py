"""The matcher's word data from content/guidance/: alphabets, stop words, concepts, small talk.

Python holds no words: every spelling the matcher knows comes from these files, so editors can
add a synonym or a greeting without touching code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.content import ContentError
from bot.guidance.content import display_name, read_toml, string_list
from bot.i18n import LANGS, Lang

LEXICON_DIR = "guidance"
SCRIPT_FILE = "script.toml"
LANGUAGES_FILE = "languages.toml"
STOPWORDS_FILE = "stopwords.toml"
SMALLTALK_FILE = "smalltalk.toml"
CONCEPTS_FILE = "concepts.toml"
SMALLTALK_KINDS = ("greeting", "thanks")
_FLAGS = ("anchor", "foreign")

Words = Mapping[Lang, tuple[str, ...]]


@dataclass(frozen=True)
class Concept:
    """Words that mean the same thing in any language (e.g. every spelling of ЭЦП)."""

    name: str
    # An anchor concept shows the question is about e-signatures at all; without one the
    # matcher asks for a closer match before it answers.
    anchor: bool
    # A foreign concept names something outside the bot's remit (a phone, a passport): with no
    # anchor beside it the question is about that, and gets no topic.
    foreign: bool
    terms: Words = field(hash=False)


@dataclass(frozen=True)
class Lexicon:
    kazakh_letters: frozenset[str]
    kazakh_latin_letters: frozenset[str]
    fold: Mapping[str, str] = field(hash=False)
    rewrites: tuple[tuple[str, str], ...]
    neutral: tuple[str, ...]
    markers: Words = field(hash=False)
    stopwords: Words = field(hash=False)
    smalltalk: Mapping[str, Words] = field(hash=False)
    concepts: tuple[Concept, ...]

    def vocabulary(self, lang: Lang) -> tuple[str, ...]:
        """Every word the lexicon files under `lang`: tells languages apart."""
        words = [*self.markers[lang], *self.stopwords[lang]]
        for kind in SMALLTALK_KINDS:
            words.extend(self.smalltalk[kind][lang])
        for concept in self.concepts:
            words.extend(concept.terms[lang])
        return tuple(words)


def _freeze(words: dict[Lang, tuple[str, ...]]) -> Words:
    return MappingProxyType(words)


def _per_language(
    table: Any, where: str, problems: list[str], *, allow_empty: bool = False
) -> Words:
    if not isinstance(table, dict):
        problems.append(f"{where}: must be a table with kk, ru and en")
        return _freeze(dict.fromkeys(LANGS, ()))
    out: dict[Lang, tuple[str, ...]] = {}
    for lang in LANGS:
        if lang not in table:
            problems.append(f"{where}.{lang}: missing")
            out[lang] = ()
        else:
            out[lang] = string_list(
                table[lang], f"{where}.{lang}", problems, allow_empty=allow_empty
            )
    return _freeze(out)


@dataclass(frozen=True)
class _Script:
    kazakh_letters: frozenset[str] = frozenset()
    kazakh_latin_letters: frozenset[str] = frozenset()
    fold: Mapping[str, str] = field(default_factory=dict, hash=False)
    rewrites: tuple[tuple[str, str], ...] = ()


def _letters(data: dict[str, Any], key: str, name: str, problems: list[str]) -> frozenset[str]:
    letters = data.get(key)
    if not isinstance(letters, str) or not letters:
        problems.append(f"{name}: {key} must be a non-empty string")
        return frozenset()
    return frozenset(letters)


def _script(base: Path, problems: list[str]) -> _Script:
    path = base / SCRIPT_FILE
    data = read_toml(path, problems)
    if data is None:
        return _Script()
    name = display_name(path)
    fold = data.get("fold")
    if not isinstance(fold, dict) or not all(
        isinstance(k, str) and len(k) == 1 and isinstance(v, str) for k, v in fold.items()
    ):
        problems.append(f"{name}: [fold] must map single letters to strings")
        fold = {}
    rewrite = (
        data.get("rewrite", {}).get("pairs") if isinstance(data.get("rewrite"), dict) else None
    )
    if not isinstance(rewrite, list) or not all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(s, str) for s in p) and p[0]
        for p in rewrite
    ):
        problems.append(f"{name}: [rewrite].pairs must be a list of [from, to] pairs")
        rewrite = []
    return _Script(
        kazakh_letters=_letters(data, "kazakh_letters", name, problems),
        kazakh_latin_letters=_letters(data, "kazakh_latin_letters", name, problems),
        fold=MappingProxyType(dict(fold)),
        rewrites=tuple((a, b) for a, b in rewrite),
    )


def _concepts(base: Path, problems: list[str]) -> tuple[Concept, ...]:
    path = base / CONCEPTS_FILE
    data = read_toml(path, problems)
    if data is None:
        return ()
    name = display_name(path)
    concepts = []
    for concept, table in data.items():
        where = f"{name}: [{concept}]"
        if not isinstance(table, dict):
            problems.append(f"{where}: must be a table")
            continue
        flags = {key: table.get(key, False) for key in _FLAGS}
        for key, value in flags.items():
            if not isinstance(value, bool):
                problems.append(f"{where}.{key}: must be true or false")
        if flags["anchor"] is True and flags["foreign"] is True:
            problems.append(f"{where}: cannot be both anchor and foreign")
        unknown = set(table) - {*_FLAGS, *LANGS}
        if unknown:
            problems.append(f"{where}: unknown keys {sorted(unknown)}")
        terms = _per_language(table, where, problems, allow_empty=True)
        concepts.append(Concept(concept, flags["anchor"] is True, flags["foreign"] is True, terms))
    if not concepts:
        problems.append(f"{name}: no concepts")
    return tuple(concepts)


_NO_WORDS: Words = _freeze(dict.fromkeys(LANGS, ()))


def _words(data: dict[str, Any] | None, key: str | None, where: str, problems: list[str]) -> Words:
    """Per-language lists from `data[key]` (or `data` itself when key is None)."""
    if data is None:  # the file itself is missing or broken, and already reported
        return _NO_WORDS
    return _per_language(data if key is None else data.get(key), where, problems)


def _read(content_dir: Path) -> tuple[Lexicon, list[str]]:
    problems: list[str] = []
    base = content_dir / LEXICON_DIR
    script = _script(base, problems)

    languages_path = base / LANGUAGES_FILE
    languages = read_toml(languages_path, problems)
    languages_name = display_name(languages_path)
    neutral = (
        string_list(languages.get("neutral", []), f"{languages_name}: neutral", problems)
        if languages is not None
        else ()
    )
    markers = _words(languages, "markers", f"{languages_name}: [markers]", problems)

    stop_path = base / STOPWORDS_FILE
    stopwords = _words(read_toml(stop_path, problems), None, display_name(stop_path), problems)

    talk_path = base / SMALLTALK_FILE
    talk = read_toml(talk_path, problems)
    smalltalk = MappingProxyType(
        {
            kind: _words(talk, kind, f"{display_name(talk_path)}: [{kind}]", problems)
            for kind in SMALLTALK_KINDS
        }
    )

    lexicon = Lexicon(
        kazakh_letters=script.kazakh_letters,
        kazakh_latin_letters=script.kazakh_latin_letters,
        fold=script.fold,
        rewrites=script.rewrites,
        neutral=neutral,
        markers=markers,
        stopwords=stopwords,
        smalltalk=smalltalk,
        concepts=_concepts(base, problems),
    )
    return lexicon, problems


def check_lexicon(content_dir: Path) -> list[str]:
    """Problems in content/guidance/, each naming file and key; empty when all is well."""
    return _read(content_dir)[1]


def load_lexicon(content_dir: Path) -> Lexicon:
    """The lexicon, or ContentError listing every problem."""
    lexicon, problems = _read(content_dir)
    if problems:
        raise ContentError(problems)
    return lexicon
