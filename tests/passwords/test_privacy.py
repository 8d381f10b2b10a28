"""A verdict holds nothing of the password: not in its fields, repr, or JSON."""

from __future__ import annotations

import json
from dataclasses import fields

import pytest

from bot.passwords import PasswordVerdict, check_password, resources
from bot.passwords.report import message_keys

# Distinctive: no run of three of its characters occurs in key names or printed numbers.
DISTINCTIVE = "Жq7Ю§Ωзр!Kx9ьЁ"
# Weak ones, whose matched tokens zxcvbn's result would carry.
WEAK = ["Пароль2024!", "Жумабекова1975", "gfhjkm§йцукен"]


def _substrings(password: str, shortest: int = 3) -> set[str]:
    return {
        password[i:j] for i in range(len(password)) for j in range(i + shortest, len(password) + 1)
    }


def _exposures(verdict: PasswordVerdict) -> list[str]:
    return [
        repr(verdict),
        str(verdict),
        repr(vars(verdict)),
        json.dumps(verdict.to_json_dict(), ensure_ascii=False),
    ]


def test_distinctive_password_leaves_no_trace() -> None:
    verdict = check_password(DISTINCTIVE, user_inputs=["Ωзр Kx9"])
    for text in _exposures(verdict):
        assert not [part for part in _substrings(DISTINCTIVE) if part in text]
        assert not set("ЖЮ§ΩзрьЁ") & set(text)


@pytest.mark.parametrize("password", WEAK)
def test_matched_words_are_not_kept(password: str) -> None:
    verdict = check_password(password)
    letters = [part for part in _substrings(password, 4) if not part.isascii()]
    for text in _exposures(verdict):
        assert not [part for part in letters if part in text]


def test_every_text_field_is_a_message_key() -> None:
    # Anything else could be a piece of the password.
    keys = {key.rsplit(".", 1)[1] for key in message_keys(resources())}
    for password in [DISTINCTIVE, *WEAK, "123456", ""]:
        verdict = check_password(password)
        for field in fields(verdict):
            value = getattr(verdict, field.name)
            strings = value if isinstance(value, tuple) else (value,)
            for text in strings:
                assert not isinstance(text, str) or text in keys, (field.name, text)
