"""NCA's rule: Latin capitals, Latin small letters and digits, at least 6 characters."""

from __future__ import annotations

import pytest

from bot.passwords import check_password
from bot.passwords.nca import NCA_FAILURES, nca_failures


@pytest.mark.parametrize(
    ("password", "failures"),
    [
        ("Abcde1", ()),
        ("Qwerty12", ()),
        ("Abcd1", ("too_short",)),
        ("abcdef1", ("no_latin_upper",)),
        ("ABCDEF1", ("no_latin_lower",)),
        ("Abcdefg", ("no_digit",)),
        ("", NCA_FAILURES),
        ("Пароль123", ("no_latin_upper", "no_latin_lower")),
        ("ПАРОЛЬabc1", ("no_latin_upper",)),
        ("Ab1" + "ж" * 3, ()),
        ("Ａｂｃｄｅ１", ("no_latin_upper", "no_latin_lower", "no_digit")),  # full-width forms
        ("Abcdef١", ("no_digit",)),  # Arabic-Indic digit
    ],
)
def test_rule_parts(password: str, failures: tuple[str, ...]) -> None:
    assert nca_failures(password) == failures


def test_failures_come_in_a_fixed_order() -> None:
    assert nca_failures("") == ("too_short", "no_latin_upper", "no_latin_lower", "no_digit")


def test_verdict_carries_the_rule_separately_from_strength() -> None:
    met = check_password("Qwerty12")
    failed = check_password("жираф колесо маяк тетрадь")

    assert met.meets_nca_rule
    assert met.nca_failures == ()
    assert not failed.meets_nca_rule
    assert failed.nca_failures == ("no_latin_upper", "no_latin_lower", "no_digit")


def test_rule_is_checked_on_the_whole_password_not_the_assessed_start() -> None:
    verdict = check_password("ж" * 100 + "Aa1")
    assert verdict.truncated
    assert verdict.meets_nca_rule
