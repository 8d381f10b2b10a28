"""The outcome of a password check: numbers and message keys, nothing of the password."""

from __future__ import annotations

from dataclasses import dataclass

# zxcvbn's 4: at least 1e10 guesses, weeks of offline guessing at its slow-hash rate. Its 3 can
# fall in hours, and a stolen key file is exactly that offline case.
STRONG_ENOUGH_SCORE = 4


@dataclass(frozen=True)
class PasswordVerdict:
    """What the checker found. Holds no copy of the password or of any part of it, so it is
    safe to log, return from the CLI, or keep in memory after the message is deleted.

    `warnings`, `suggestions`, `nca_failures` and `standard_password` are stable keys, looked up
    as passwords.<field>.<key> in content/strings/<lang>/passwords.toml.
    """

    score: int  # zxcvbn's 0-4
    guesses_log10: float
    crack_time_seconds: float  # offline attack on a stolen key file, slow hashing (1e4/s)
    meets_nca_rule: bool
    nca_failures: tuple[str, ...]
    strong_enough: bool
    truncated: bool  # only the first characters were assessed
    standard_password: str | None
    warnings: tuple[str, ...]
    suggestions: tuple[str, ...]

    def to_json_dict(self) -> dict[str, object]:
        """The verdict for `esign-bot check-password --json`. Warnings and suggestions are
        message keys (e.g. "top_10"), not text: stable for scripts and free of any language."""
        return {
            "score": self.score,
            "guesses_log10": round(self.guesses_log10, 3),
            "crack_time_seconds": self.crack_time_seconds,
            "meets_nca_rule": self.meets_nca_rule,
            "nca_failures": list(self.nca_failures),
            "strong_enough": self.strong_enough,
            "truncated": self.truncated,
            "standard_password": self.standard_password,
            "warnings": list(self.warnings),
            "suggestions": list(self.suggestions),
        }
