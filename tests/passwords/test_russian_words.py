"""The Russian frequency list works: the 30,000 most frequent Russian words are in the checker's
dictionary, and capitalised with digits appended they are weak (score ≤ 2) in Cyrillic and typed
on the Latin layout."""

from __future__ import annotations

from collections import Counter

from zxcvbn import time_estimates

from bot.passwords import check_password, resources
from bot.passwords.dictionaries import MIN_WRONG_LAYOUT_LENGTH
from bot.passwords.matching import Analyzer
from tests.passwords.test_content import DICTIONARY_DIR

WORDS = 30_000
# The endings people stick to a word most: a digit, a pair, 123, a recent or a birth year.
ENDINGS = ("1", "12", "123", "7", "2024", "1990", "11", "2000")
MAX_SCORE = 2
RAREST = 500


def russian_words() -> list[str]:
    return (DICTIONARY_DIR / "words_ru.txt").read_text(encoding="utf-8").split()[:WORDS]


def test_the_list_is_long_enough() -> None:
    assert len(russian_words()) == WORDS


def test_testing_on_the_wrong_layout_is_weak() -> None:
    # «тестирование» typed with the Latin layout on was rated 4/4 before the list.
    verdict = check_password("ntcnbhjdfybt")
    assert verdict.score <= 1
    assert "wrong_layout_word" in verdict.warnings


def test_a_capital_whose_key_gives_a_symbol_is_still_the_word() -> None:
    # Х, Ж, Э, Б, Ю typed as capitals on the Latin layout give {, :, ", <, >.
    for typed in ("{kt,123", ":ehyfk2024", '"rhfy1', "<f,eirf12"):
        verdict = check_password(typed)
        assert verdict.score <= 1, typed
        assert "wrong_layout_word" in verdict.warnings, typed


def test_every_top_russian_word_is_known_in_both_layouts_by_its_rank() -> None:
    res = resources()
    ranked, layout = res.lexicon.ranked, res.spelling.layout
    unknown = []
    for rank, word in enumerate(russian_words(), start=1):
        typed = layout.typed_on_latin(word)
        forms = [word] if typed is None or len(typed) < MIN_WRONG_LAYOUT_LENGTH else [word, typed]
        unknown += [form for form in forms if ranked.get(form, rank + 1) > rank]
    assert not unknown, f"{len(unknown)} forms missing or ranked too low, e.g. {unknown[:10]}"


def test_top_russian_words_capitalised_with_digits_are_weak() -> None:
    # A word's guesses grow with its rank, so the rarest 500 are the hardest case; every
    # fifteenth word of the rest shows no other shape of word slips through. The test above shows
    # every word is in the dictionary: all 60,000 checks here took half a minute of the suite.
    res = resources()
    analyzer = Analyzer(res, ())
    layout = res.spelling.layout
    words = russian_words()
    sample = {i: words[i] for i in (*range(0, WORDS - RAREST, 15), *range(WORDS - RAREST, WORDS))}
    too_strong: Counter[str] = Counter()
    examples: list[str] = []
    for index, word in sample.items():
        cyrillic = word.capitalize() + ENDINGS[index % len(ENDINGS)]
        latin = "".join(layout.to_latin.get(char, char) for char in cyrillic)
        for form, password in (("cyrillic", cyrillic), ("wrong layout", latin)):
            guesses = analyzer.analyse(password).guesses
            if time_estimates.estimate_attack_times(guesses)["score"] > MAX_SCORE:
                too_strong[form] += 1
                examples.append(password)
    assert not too_strong, f"{dict(too_strong)} scored above {MAX_SCORE}, e.g. {examples[:10]}"
