"""The worst inputs we know for each detector and parser a user's message reaches, at the
largest size each can be given. Shared by bench_detectors.py, bench_abuse_concurrency.py and
the fuzz test (tests/ops/test_fuzz.py); not a benchmark itself."""

from __future__ import annotations

import random

from bot.signatures.certificates import MAX_CERTIFICATE_BYTES

TELEGRAM_MAX = 4096  # characters in a message
MAX_FILE = MAX_CERTIFICATE_BYTES  # the most the bot downloads of a file sent to it


def text_of(unit: str) -> str:
    return (unit * TELEGRAM_MAX)[:TELEGRAM_MAX]


def file_of(unit: bytes) -> bytes:
    return (unit * MAX_FILE)[:MAX_FILE]


WORST_TEXTS = {
    "pin/ecp repeated": text_of("pin/ecp "),
    "secret and e-signature words": text_of("пароль эцп "),
    "names and separators": text_of("пароль эцп : - = "),
    "advice in one sentence": text_of("не используй пароль эцп 123456 "),
    "names and values": text_of("пароль Qwerty12 "),
    "SMS code phrases": text_of("код из смс is "),
    "password-shaped tokens": text_of("Kairat1985kz "),
    "one long word": "ы" * TELEGRAM_MAX,
    "digit runs": text_of("1 "),
    "separated digits": text_of("+1(-"),
    "random letters": "".join(random.Random(3).choice("abcdefgh ") for _ in range(TELEGRAM_MAX)),
}
WORST_FILES = {
    "BEGIN lines": file_of(b"-----BEGIN CERTIFICATE-----\n"),
    "BEGIN words": file_of(b"-----BEGIN A A A A A A A A A A A A A A A A "),
    "BEGIN and END": file_of(b"-----BEGIN CERTIFICATE-----\n-----END X-----\n"),
    "base64": file_of(b"MIIB"),
    "DER-like": file_of(b"\x30\x82\xff\xff"),
}
