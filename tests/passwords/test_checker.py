"""check_password: localisation of zxcvbn, context words, limits, and inputs of any shape."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from zxcvbn import zxcvbn

from bot.passwords import MAX_ANALYSED_LENGTH, STRONG_ENOUGH_SCORE, check_password

TELEGRAM_MAX_MESSAGE = 4096
KNOWN_WEAK = ["Пароль123", "Астана2024!", "Qwerty12", "Aigerim1990", "йцукен123", "gfhjkm2020"]


@pytest.mark.parametrize("password", KNOWN_WEAK)
def test_known_weak_passwords_score_at_most_one(password: str) -> None:
    assert check_password(password).score <= 1


def test_stock_zxcvbn_overrates_what_the_checker_catches() -> None:
    # The reason this package exists; if zxcvbn learns Cyrillic, revisit the additions.
    assert zxcvbn("Пароль123")["score"] == 3
    assert check_password("Пароль123").score <= 1


@pytest.mark.parametrize(
    "password",
    ["жираф колесо маяк тетрадь", "сиыр терезе бұлт қасық", "correct horse battery staple"],
)
def test_passphrase_of_four_uncommon_words_is_strong_enough(password: str) -> None:
    verdict = check_password(password)
    assert verdict.score == 4
    assert verdict.strong_enough
    assert verdict.warnings == ()
    assert verdict.suggestions == ()


def test_strong_enough_is_a_score_threshold_independent_of_the_nca_rule() -> None:
    passphrase = check_password("жираф колесо маяк тетрадь")
    rule_but_weak = check_password("Qwerty12")

    assert passphrase.strong_enough
    assert not passphrase.meets_nca_rule
    assert rule_but_weak.meets_nca_rule
    assert not rule_but_weak.strong_enough
    assert STRONG_ENOUGH_SCORE == 4


def test_every_password_short_of_strong_enough_is_explained() -> None:
    # zxcvbn says nothing above score 2; the checker explains a 3 too.
    verdict = check_password("зубрилка77")
    assert verdict.score == 3
    assert not verdict.strong_enough
    assert "add_word" in verdict.suggestions


@pytest.mark.parametrize(
    ("password", "key"),
    [("Пароль", "capitalization"), ("ПАРОЛЬ", "all_uppercase"), ("Password", "capitalization")],
)
def test_capitalisation_advice_in_any_script(password: str, key: str) -> None:
    suggestions = check_password(password).suggestions
    assert key in suggestions
    assert {"capitalization", "all_uppercase"} - {key} & set(suggestions) == set()


def test_cyrillic_capitals_count_as_variations() -> None:
    assert check_password("Пароль").guesses_log10 > check_password("пароль").guesses_log10


def test_cyrillic_keyboard_walk_is_a_walk() -> None:
    # Not in any list: only the ЙЦУКЕН adjacency graph can see this one.
    verdict = check_password("енгшщзхъ")
    assert verdict.score <= 1
    assert {"straight_row", "keyboard_pattern"} & set(verdict.warnings)


def test_own_name_and_username_are_context_words() -> None:
    password = "Zhumabekova77"
    without = check_password(password)
    with_name = check_password(password, user_inputs=["Гульнар Жумабекова", "g_zhumabekova"])

    assert with_name.guesses_log10 < without.guesses_log10
    assert with_name.score <= 1
    assert "user_input" in with_name.warnings


def test_cyrillic_name_is_known_on_the_wrong_layout_too() -> None:
    verdict = check_password("ue,fhtr1988", user_inputs=["Губарек"])
    assert "user_input" in verdict.warnings


def test_standard_passwords_are_flagged_by_key() -> None:
    assert check_password("123456").standard_password == "common_standard"
    assert check_password("12345678").standard_password == "kaztoken_pin"
    assert check_password("1234567890").standard_password == "token_pin"
    assert check_password(" 12345678 ").standard_password == "kaztoken_pin"
    assert check_password("1234567").standard_password is None


def test_longest_telegram_message_is_assessed_by_its_start() -> None:
    password = "Zx9!" + "ж" * (TELEGRAM_MAX_MESSAGE - 4)
    verdict = check_password(password)
    start = check_password(password[:MAX_ANALYSED_LENGTH])

    assert verdict.truncated
    assert not start.truncated
    assert (verdict.score, verdict.guesses_log10) == (start.score, start.guesses_log10)


def test_password_at_the_limit_is_not_truncated() -> None:
    assert not check_password("a" * MAX_ANALYSED_LENGTH).truncated
    assert check_password("a" * (MAX_ANALYSED_LENGTH + 1)).truncated


@pytest.mark.parametrize("password", ["", " ", "   ", "\n", "\t \n"])
def test_empty_and_whitespace(password: str) -> None:
    verdict = check_password(password)
    assert verdict.score == 0
    assert verdict.warnings[0] == "empty"
    assert not verdict.meets_nca_rule
    assert not verdict.truncated


def test_decomposed_letters_are_read_as_composed() -> None:
    decomposed = "и\u0306цукен"  # й as и + combining breve, as some keyboards send it
    assert check_password(decomposed) == check_password("йцукен")


@pytest.mark.parametrize(
    "password",
    [
        "\x00" * 100,
        "\ud800lone surrogate",
        "🔑" * 4096,
        "\u202e" + "RTL" * 30,
        "1" * 4096,
        "19901231" * 512,
        "4@8({[<36!|1|70$5+7%2" * 20,
        "йцукенгшщзхъ" * 300,
        "a\u0300" * 2048,
    ],
)
def test_unusual_input_does_not_raise(password: str) -> None:
    verdict = check_password(password)
    assert 0 <= verdict.score <= 4


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=TELEGRAM_MAX_MESSAGE), st.lists(st.text(max_size=64), max_size=3))
def test_any_text_gets_a_verdict(password: str, user_inputs: list[str]) -> None:
    verdict = check_password(password, user_inputs)
    assert 0 <= verdict.score <= 4
    assert verdict.guesses_log10 >= 0


def test_random_unicode_at_telegram_length() -> None:
    rng = random.Random(7)
    for _ in range(5):
        password = "".join(chr(rng.randrange(0x20, 0x2FFFF)) for _ in range(TELEGRAM_MAX_MESSAGE))
        assert check_password(password).truncated
