"""NCA's password rule for key containers: Latin upper- and lower-case letters and digits, at
least 6 characters. A floor NCA's software enforces, not a measure of strength."""

from __future__ import annotations

import string

NCA_MIN_LENGTH = 6
NCA_FAILURES = ("too_short", "no_latin_upper", "no_latin_lower", "no_digit")


def nca_failures(password: str) -> tuple[str, ...]:
    """Keys of the parts of the rule `password` fails, in NCA_FAILURES order; empty if none."""
    holds = (
        len(password) >= NCA_MIN_LENGTH,
        any(char in string.ascii_uppercase for char in password),
        any(char in string.ascii_lowercase for char in password),
        any(char in string.digits for char in password),
    )
    return tuple(key for key, ok in zip(NCA_FAILURES, holds, strict=True) if not ok)
