"""Kazakh phone numbers: normalise what people type or Telegram sends to E.164, and hash it.

Accepted, with any spaces, dots, dashes and parentheses: ``+7 701 123 45 67``,
``87011234567``, ``77011234567`` (Telegram contacts come without the plus),
``7011234567``. Kazakhstan owns the +7 7xx range; +7 with any other digit is Russia.

Rejections raise :class:`PhoneError` with one of the stable keys ``phone_empty``,
``phone_chars``, ``phone_length``, ``phone_not_kz``.
"""

import hashlib
import hmac
import re

from bot.signatures.errors import InputError

MIN_SECRET_BYTES = 16
_MAX_INPUT_CHARS = 32
_NATIONAL_DIGITS = 10
# Copy-paste brings Unicode dashes and non-breaking spaces; \s covers the latter.
_ALLOWED = re.compile(r"\+?[0-9\s().\-\u2010-\u2015]+")
_NOT_DIGIT = re.compile(r"[^0-9]")
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


class PhoneError(InputError):
    """A phone number that is not a Kazakh number in a recognised form."""


def normalize_phone(raw: str) -> str:
    """``8 (701) 123-45-67`` -> ``+77011234567``; PhoneError for anything else."""
    text = raw.strip()
    if not text:
        raise PhoneError("phone_empty")
    if len(text) > _MAX_INPUT_CHARS:
        raise PhoneError("phone_length")
    if not _ALLOWED.fullmatch(text):
        raise PhoneError("phone_chars")
    digits = _NOT_DIGIT.sub("", text)
    if text.startswith("+"):
        if not digits.startswith("7"):
            raise PhoneError("phone_not_kz")
        national = digits[1:]
    elif len(digits) == _NATIONAL_DIGITS + 1 and digits[0] in "78":
        national = digits[1:]
    else:
        national = digits
    if len(national) != _NATIONAL_DIGITS:
        raise PhoneError("phone_length")
    if not national.startswith("7"):
        raise PhoneError("phone_not_kz")
    return f"+7{national}"


def phone_hash(e164: str, secret: bytes) -> str:
    """Keyed hash (HMAC-SHA256, hex) under which a phone number is stored.

    Takes the normalised form only, so one number never ends up under two hashes, and a
    secret of at least 16 bytes: Kazakh mobile numbers are few enough to enumerate, so the
    secret is all that keeps the hashes from being reversed.
    """
    if not _E164.fullmatch(e164):
        raise ValueError("phone_hash expects an E.164 number; call normalize_phone first")
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError(f"the phone hashing secret must be at least {MIN_SECRET_BYTES} bytes")
    return hmac.new(secret, e164.encode("ascii"), hashlib.sha256).hexdigest()
