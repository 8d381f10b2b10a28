import random
from datetime import date

import pytest

from bot.signatures.identifiers import (
    bin_problem,
    compute_check_digit,
    has_valid_check_digit,
    iin_birth_date,
    iin_problem,
    is_valid_bin,
    is_valid_iin,
    mask_iin,
)


def test_domain_example_is_valid() -> None:
    # Its first weighted sum is 10, so this also exercises the second set of weights.
    assert is_valid_iin("061211600012")
    assert iin_problem("061211600012") is None
    assert iin_birth_date("061211600012") == date(2006, 12, 11)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "iin_length"),
        ("06121160001", "iin_length"),
        ("0612116000123", "iin_length"),
        ("06121160001a", "iin_digits"),
        ("061211 60001", "iin_digits"),
        ("０６１２１１６０００１２", "iin_digits"),  # full-width digits are not digits here
        ("061211700012", "iin_century"),
        ("061211000012", "iin_century"),
        ("061311600012", "iin_date"),
        ("060230600012", "iin_date"),
        ("061200600012", "iin_date"),
        ("061211600013", "iin_checksum"),
        ("061211600011", "iin_checksum"),
    ],
)
def test_bad_iins_have_exact_reasons(value: str, reason: str) -> None:
    assert iin_problem(value) == reason
    assert not is_valid_iin(value)


@pytest.mark.parametrize(
    ("century_digit", "year"),
    [("1", 1885), ("2", 1885), ("3", 1985), ("4", 1985), ("5", 2085), ("6", 2085)],
)
def test_century_digit_sets_the_birth_year(century_digit: str, year: int) -> None:
    prefix = f"850314{century_digit}0012"
    digit = compute_check_digit(prefix)
    if digit is None:
        pytest.skip("prefix admits no check digit")
    assert iin_birth_date(f"{prefix}{digit}") == date(year, 3, 14)


def test_iin_birth_date_rejects_invalid() -> None:
    with pytest.raises(ValueError, match="iin_checksum"):
        iin_birth_date("061211600013")


def test_a_prefix_with_no_possible_check_digit_is_never_valid() -> None:
    prefix = next(
        f"{n:011d}"
        for n in range(10**10, 10**10 + 100_000)
        if compute_check_digit(f"{n:011d}") is None
    )
    assert not any(has_valid_check_digit(f"{prefix}{d}") for d in range(10))


def test_exactly_one_check_digit_fits_when_any_does() -> None:
    rng = random.Random(406)
    for _ in range(5000):
        prefix = f"{rng.randrange(10**11):011d}"
        fitting = [d for d in range(10) if has_valid_check_digit(f"{prefix}{d}")]
        expected = compute_check_digit(prefix)
        assert fitting == ([] if expected is None else [expected])


def test_compute_check_digit_needs_eleven_digits() -> None:
    with pytest.raises(ValueError, match="11 digits"):
        compute_check_digit("1234")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("971240001315", None),  # a real bank's BIN
        ("97124000131", "bin_length"),
        ("97124000131x", "bin_digits"),
        ("971340001315", "bin_month"),
        ("970040001315", "bin_month"),
        ("971270001315", "bin_kind"),
        ("971249001315", "bin_division"),
        ("971240001316", "bin_checksum"),
    ],
)
def test_bins(value: str, reason: str | None) -> None:
    assert bin_problem(value) == reason
    assert is_valid_bin(value) is (reason is None)


def test_mask_iin_keeps_first_six_and_last_two() -> None:
    assert mask_iin("061211600012") == "061211****12"


@pytest.mark.parametrize("value", ["", "0612116000", "06121160001a", "0612116000123"])
def test_mask_iin_refuses_what_it_cannot_mask_safely(value: str) -> None:
    with pytest.raises(ValueError):
        mask_iin(value)
