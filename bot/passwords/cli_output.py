"""`esign-bot check-password`: the password from stdin, the verdict as JSON on stdout."""

from __future__ import annotations

import json

from bot.passwords.verdict import PasswordVerdict


def password_from_stdin(text: str) -> str:
    """The password in what stdin held: without the line break that `echo` or Enter adds.
    Other whitespace is kept; it may be part of the password."""
    return text.removesuffix("\n").removesuffix("\r")


def verdict_json(verdict: PasswordVerdict) -> str:
    """One JSON object (see PasswordVerdict.to_json_dict); keys sorted so output is stable."""
    return json.dumps(verdict.to_json_dict(), ensure_ascii=False, sort_keys=True)
