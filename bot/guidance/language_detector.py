"""Which language a question is in: "kk", "ru", "en", or None when the text does not say.

Kazakh letters (ә ғ қ ң ө ұ ү һ і) settle it at once. Kazakh typed without them, Russian typed in
Latin letters ("mozhno li dat ecp") and English are told apart by the words the lexicon files
under each language, compared as skeletons so every spelling counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

from bot import content
from bot.guidance.lexicon import Lexicon, load_lexicon
from bot.guidance.text import Folder, Token, WordPatterns
from bot.i18n import LANGS, Lang

__all__ = ["LANGS", "Lang", "LanguageDetector", "detect_language"]

# Votes per word. A Kazakh letter is near proof; a known word is good evidence; a word the
# lexicon does not know only hints at the language its alphabet is most used for.
_KAZAKH_LETTER = 2.0
_KNOWN_WORD = 1.0
_ALPHABET_ONLY = 0.5
_LANG: dict[str, Lang] = {lang: lang for lang in LANGS}
# Shorter prefixes ("бер*", "муж*") start too many words of the other languages to vote.
_MIN_PREFIX = 4
_CYRILLIC_LANGS = frozenset({"kk", "ru"})


class LanguageDetector:
    def __init__(self, lexicon: Lexicon, folder: Folder | None = None) -> None:
        self._folder = folder or Folder.from_lexicon(lexicon)
        self._kazakh_letters = lexicon.kazakh_letters
        self._kazakh_latin_letters = lexicon.kazakh_latin_letters
        self._neutral = frozenset(self._folder.fold(w) for w in lexicon.neutral)
        entries = []
        for lang in LANGS:
            for term in lexicon.vocabulary(lang):
                for word, is_prefix in self._folder.pattern(term):
                    if not is_prefix or len(word) >= _MIN_PREFIX:
                        entries.append((word, is_prefix, lang))
        self._known = WordPatterns(entries)

    def detect(self, text: str) -> Lang | None:
        return self.detect_tokens(self._folder.tokens(text))

    def detect_tokens(self, tokens: Sequence[Token]) -> Lang | None:
        votes: dict[Lang, float] = dict.fromkeys(LANGS, 0.0)
        for token in tokens:
            lang, weight = self._vote(token)
            if lang is not None:
                votes[lang] += weight
        best = max(LANGS, key=lambda lang: votes[lang])
        if votes[best] == 0:
            return None
        # Ties between the Cyrillic languages go to Russian: Kazakh would have shown a letter.
        if best == "kk" and votes["ru"] == votes["kk"]:
            return "ru"
        return best

    def _vote(self, token: Token) -> tuple[Lang | None, float]:
        if token.script == "cyrillic":
            if any(ch in self._kazakh_letters for ch in token.raw):
                return "kk", _KAZAKH_LETTER
            known = self._known.labels(token.folded, False) & _CYRILLIC_LANGS
            if len(known) == 1:
                return _LANG[min(known)], _KNOWN_WORD
            return "ru", _ALPHABET_ONLY
        if token.script == "latin":
            if any(ch in self._kazakh_latin_letters for ch in token.raw):
                return "kk", _KAZAKH_LETTER
            if token.folded in self._neutral:
                return None, 0.0
            known = self._known.labels(token.folded, False)
            if "en" in known:
                # English words that happen to spell a Russian one ("to", "on") stay English.
                return "en", _KNOWN_WORD if len(known) == 1 else _ALPHABET_ONLY
            if len(known) == 1:
                return _LANG[min(known)], _KNOWN_WORD
            return "en", _ALPHABET_ONLY
        return None, 0.0


@cache
def _default_detector(content_dir: Path) -> LanguageDetector:
    return LanguageDetector(load_lexicon(content_dir))


def detect_language(text: str, content_dir: Path | None = None) -> Lang | None:
    """Language of `text` using the lexicon in `content_dir` (default: the one in use),
    loaded once per directory."""
    return _default_detector(content_dir or content.directory()).detect(text)
