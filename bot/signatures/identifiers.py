"""IIN and BIN: Kazakhstan's 12-digit personal and business identification numbers.

Rules from Government Decree No. 406 of 22.05.2007 (see shared/DOMAIN.md):

* IIN = ``YYMMDD`` + C + ``NNNN`` + K, where C (1-6) gives the century of birth and sex.
* BIN = ``YYMM`` + T + A + ``NNNNN`` + K, where T is the kind of entity (4 resident legal
  entity, 5 non-resident, 6 individual entrepreneurship) and A the division (0 head office,
  1 branch, 2 representative office, 3 farm).
* K is the same check digit for both.

Problems are reported as stable keys (``iin_length``, ``bin_checksum``...) for the caller to
translate; nothing here holds user-facing text.
"""

import operator
import re
from datetime import date

IDENTIFIER_LENGTH = 12

_DIGITS = re.compile(r"[0-9]{12}")
_ELEVEN_DIGITS = re.compile(r"[0-9]{11}")
_FIRST_WEIGHTS = tuple(range(1, 12))
_SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
_CENTURY_BY_DIGIT = {"1": 1800, "2": 1800, "3": 1900, "4": 1900, "5": 2000, "6": 2000}
_BIN_ENTITY_KINDS = frozenset("456")
_BIN_DIVISIONS = frozenset("0123")


def compute_check_digit(first_eleven: str) -> int | None:
    """The check digit for 11 leading digits, or None when no digit can be valid."""
    if not _ELEVEN_DIGITS.fullmatch(first_eleven):
        raise ValueError("expected 11 digits")
    # map/operator keep this fast enough for million-row registry imports.
    digits = list(map(int, first_eleven))
    total: int = sum(map(operator.mul, digits, _FIRST_WEIGHTS)) % 11
    if total == 10:
        total = sum(map(operator.mul, digits, _SECOND_WEIGHTS)) % 11
        if total == 10:
            return None
    return total


def has_valid_check_digit(value: str) -> bool:
    """True for 12 ASCII digits whose last digit is the right check digit."""
    if not _DIGITS.fullmatch(value):
        return False
    expected = compute_check_digit(value[:11])
    return expected is not None and expected == int(value[11])


def _format_problem(value: str, prefix: str) -> str | None:
    if len(value) != IDENTIFIER_LENGTH:
        return f"{prefix}_length"
    if not _DIGITS.fullmatch(value):
        return f"{prefix}_digits"
    return None


def _birth_date(value: str) -> date | None:
    century = _CENTURY_BY_DIGIT.get(value[6])
    if century is None:
        return None
    try:
        return date(century + int(value[0:2]), int(value[2:4]), int(value[4:6]))
    except ValueError:
        return None


def iin_problem(value: str) -> str | None:
    """Why ``value`` is not a valid IIN, as a stable key, or None if it is valid.

    Keys, checked in this order: ``iin_length``, ``iin_digits``, ``iin_century`` (7th digit
    not 1-6), ``iin_date`` (YYMMDD not a real date), ``iin_checksum``.
    """
    problem = _format_problem(value, "iin")
    if problem is not None:
        return problem
    if value[6] not in _CENTURY_BY_DIGIT:
        return "iin_century"
    if _birth_date(value) is None:
        return "iin_date"
    if not has_valid_check_digit(value):
        return "iin_checksum"
    return None


def is_valid_iin(value: str) -> bool:
    return iin_problem(value) is None


def iin_birth_date(iin: str) -> date:
    """The birth date an IIN encodes; ValueError if ``iin`` is not a valid IIN."""
    problem = iin_problem(iin)
    birth = _birth_date(iin) if problem is None else None
    if birth is None:
        raise ValueError(problem)
    return birth


def bin_problem(value: str) -> str | None:
    """Why ``value`` is not a valid BIN, as a stable key, or None if it is valid.

    Keys, checked in this order: ``bin_length``, ``bin_digits``, ``bin_month`` (digits 3-4
    not 01-12), ``bin_kind`` (5th digit not 4/5/6), ``bin_division`` (6th digit not 0-3),
    ``bin_checksum``.
    """
    problem = _format_problem(value, "bin")
    if problem is not None:
        return problem
    if not 1 <= int(value[2:4]) <= 12:
        return "bin_month"
    if value[4] not in _BIN_ENTITY_KINDS:
        return "bin_kind"
    if value[5] not in _BIN_DIVISIONS:
        return "bin_division"
    if not has_valid_check_digit(value):
        return "bin_checksum"
    return None


def is_valid_bin(value: str) -> bool:
    return bin_problem(value) is None


def mask_iin(iin: str) -> str:
    """``061211600012`` -> ``061211****12``: the birth date and check digits stay readable.

    Raises ValueError for anything but 12 digits, so a mistake never shows an unmasked value.
    """
    if not _DIGITS.fullmatch(iin):
        raise ValueError("an IIN has 12 digits")
    return f"{iin[:6]}****{iin[-2:]}"
