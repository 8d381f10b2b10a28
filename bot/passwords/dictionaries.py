"""Our ranked dictionaries, merged into one for zxcvbn, with every spelling people type."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from bot.passwords.keyboard import Layout

KINDS = ("passwords", "walks", "words", "names", "places")

# Shorter entries match by chance inside unrelated strings and save an attacker next to nothing.
MIN_WORD_LENGTH = 3
# Latin-layout forms of three-letter words (рим → hbv) turn up inside random strings.
MIN_WRONG_LAYOUT_LENGTH = 4
# Telegram names are at most 64 characters; the cap keeps a caller's mistake cheap.
MAX_CONTEXT_INPUTS = 8
MAX_CONTEXT_LENGTH = 64

_PARTS = re.compile(r"\d+|[^\W\d_]+")


@dataclass(frozen=True)
class Entry:
    kind: str
    wrong_layout: bool


@dataclass(frozen=True)
class WordList:
    kind: str
    words: Sequence[str]  # most common first
    wrong_layout: bool  # also known as typed on the Latin layout


@dataclass(frozen=True)
class Lexicon:
    """`ranked` is the zxcvbn dictionary (word → rank); `entries` says where each word came from."""

    ranked: Mapping[str, int]
    entries: Mapping[str, Entry]


@dataclass(frozen=True)
class Spelling:
    """How people type a word: as written, with simplified letters, on the wrong layout."""

    layout: Layout
    folding: Mapping[int, str]

    def variants(self, word: str, wrong_layout: bool = True) -> Iterator[tuple[str, bool]]:
        """(spelling, typed on the wrong layout) for each distinct spelling of `word`."""
        simplified = word.translate(self.folding)
        forms = [word] if simplified == word else [word, simplified]
        yield from ((form, False) for form in forms)
        for form in forms if wrong_layout else ():
            typed = self.layout.typed_on_latin(form)
            if typed is not None and len(typed) >= MIN_WRONG_LAYOUT_LENGTH:
                yield typed, True


def build_lexicon(lists: Iterable[WordList], spelling: Spelling) -> Lexicon:
    """Merge the lists into one zxcvbn dictionary; a word in two lists keeps its best rank."""
    ranked: dict[str, int] = {}
    entries: dict[str, Entry] = {}
    for word_list in lists:
        for rank, word in enumerate(word_list.words, start=1):
            for form, wrong_layout in spelling.variants(word, word_list.wrong_layout):
                if rank < ranked.get(form, rank + 1):
                    ranked[form] = rank
                    entries[form] = Entry(word_list.kind, wrong_layout)
    return Lexicon(ranked, entries)


def context_words(user_inputs: Sequence[str], spelling: Spelling) -> list[str]:
    """The user's own name and username as zxcvbn user inputs: whole, in parts, in all spellings.

    "aigerim_1990" yields aigerim_1990, aigerim and 1990, so a password that reuses a part of it
    is caught, not only one that reuses all of it.
    """
    words: dict[str, None] = {}
    for value in user_inputs[:MAX_CONTEXT_INPUTS]:
        if not value:
            continue  # a user without a last name or username
        text = unicodedata.normalize("NFC", value)[:MAX_CONTEXT_LENGTH].lower().strip()
        for candidate in (text, *_PARTS.findall(text)):
            if len(candidate) >= MIN_WORD_LENGTH:
                words.update((form, None) for form, _ in spelling.variants(candidate))
    return list(words)
