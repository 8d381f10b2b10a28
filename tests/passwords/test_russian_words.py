"""The Russian frequency list works: the 30,000 most frequent Russian words, capitalised and
with digits appended, are weak (score ≤ 2) in Cyrillic and typed on the Latin layout."""

from __future__ import annotations

from collections import Counter

from zxcvbn import time_estimates

from bot.passwords import check_password, resources
from bot.passwords.matching import Analyzer
from tests.passwords.test_content import DICTIONARY_DIR

WORDS = 30_000
# The endings people stick to a word most: a digit, a pair, 123, a recent or a birth year.
ENDINGS = ("1", "12", "123", "7", "2024", "1990", "11", "2000")
MAX_SCORE = 2


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


def test_top_russian_words_capitalised_with_digits_are_weak() -> None:
    # The checker's analysis and score without its feedback: 60,000 checks take long enough.
    res = resources()
    analyzer = Analyzer(res, ())
    layout = res.spelling.layout
    too_strong: Counter[str] = Counter()
    examples: list[str] = []
    for index, word in enumerate(russian_words()):
        cyrillic = word.capitalize() + ENDINGS[index % len(ENDINGS)]
        latin = "".join(layout.to_latin.get(char, char) for char in cyrillic)
        for form, password in (("cyrillic", cyrillic), ("wrong layout", latin)):
            guesses = analyzer.analyse(password).guesses
            if time_estimates.estimate_attack_times(guesses)["score"] > MAX_SCORE:
                too_strong[form] += 1
                examples.append(password)
    assert not too_strong, f"{dict(too_strong)} scored above {MAX_SCORE}, e.g. {examples[:10]}"
