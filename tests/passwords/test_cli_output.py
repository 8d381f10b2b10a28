"""`esign-bot check-password --json`: what stdin gives and what stdout gets."""

from __future__ import annotations

import json

import pytest

from bot.passwords import check_password
from bot.passwords.cli_output import password_from_stdin, verdict_json


@pytest.mark.parametrize(
    ("stdin", "password"),
    [("Qwerty12\n", "Qwerty12"), ("Qwerty12\r\n", "Qwerty12"), ("a b \n", "a b "), ("", "")],
)
def test_one_trailing_line_break_is_not_part_of_the_password(stdin: str, password: str) -> None:
    assert password_from_stdin(stdin) == password


def test_json_output() -> None:
    data = json.loads(verdict_json(check_password("Астана2024!")))

    assert {
        "score",
        "guesses_log10",
        "meets_nca_rule",
        "warnings",
        "suggestions",
        "crack_time_seconds",
    } <= set(data)
    assert data["score"] == 1
    assert data["meets_nca_rule"] is False
    assert data["nca_failures"] == ["no_latin_upper", "no_latin_lower"]
    assert "place_name" in data["warnings"]
    assert isinstance(data["crack_time_seconds"], float)


def test_json_is_strict_for_the_longest_input() -> None:
    text = verdict_json(check_password("🔑" * 4096))
    json.loads(text, parse_constant=lambda name: pytest.fail(f"non-standard JSON {name}"))
