from __future__ import annotations

import re

import pytest

from bot.guidance import scrub_question
from bot.guidance.scrub import MASK


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("мой ИИН 061211600012, что делать", f"мой ИИН {MASK}, что делать"),
        ("звоните +7 (701) 123-45-67", f"звоните {MASK}"),
        ("8 701 123 45 67 номер", f"{MASK} номер"),
        ("pin 1234", f"pin {MASK}"),
        ("ИИН 900101 300 123", f"ИИН {MASK}"),
        ("дата рождения 12.05.1990", f"дата рождения {MASK}"),
        ("код из смс 1414", f"код из смс {MASK}"),
    ],
)
def test_masks_number_runs(text: str, expected: str) -> None:
    assert scrub_question(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Letters with the digits: before, only the digits went and "kairat***kz" was kept.
        ("is my password Kairat1985kz ok?", f"is my password {MASK} ok?"),
        ("пароль Qwerty2024!", f"пароль {MASK}"),
        ("Aigerim90 подходит", f"{MASK} подходит"),
        ("a1b2c3 и x9", f"{MASK} и {MASK}"),
        ("потерял ключ p12", f"потерял ключ {MASK}"),
        ("RSA256 и AUTH_RSA256", f"{MASK} и {MASK}"),
        # Secrets without digits: a sign inside a word, a capital after a small letter, and
        # the common passwords.
        ("мой пароль Zq!Жёлтый_vortex", f"мой пароль {MASK}"),
        ("qWeRtY это нормально", f"{MASK} это нормально"),
        ("пароль gfhjkm или qwerty?", f"пароль {MASK} или {MASK}"),
    ],
)
def test_masks_words_that_look_like_secrets(text: str, expected: str) -> None:
    assert scrub_question(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "потерял ключ от ЭЦП",
        "ЭЦҚ-ны қалай жаңартамын?",
        "срок 3 года, 1 год на файле",
        "статья 640",
        "10 МРП и 15 МРП",
        "don't share it, see egov.kz.",
        "",
    ],
)
def test_keeps_ordinary_words_and_short_numbers(text: str) -> None:
    assert scrub_question(text) == text


def test_leaves_no_four_digit_run_and_no_word_mixing_letters_and_digits() -> None:
    scrubbed = scrub_question("a1234b 5-6-7-8 +7 777 000 11 22 IIN: 0612-1160-0012 x1 Ab3")
    assert not re.search(r"\d{4}", scrubbed)
    assert sum(ch.isdigit() for ch in scrubbed) == 0
    for word in scrubbed.split():
        assert not (re.search(r"\d", word) and re.search(r"[^\W\d_]", word)), word
