"""Certificate serial numbers as one canonical hex string.

Registries print serials with colons, spaces, lower case or leading zeros; certificates hold
an integer. Both sides go through here so that the same certificate always compares equal:
upper-case hex of the integer value, no leading zeros.
"""

import re

from bot.signatures.errors import InputError

# RFC 5280 caps serials at 20 octets.
MAX_SERIAL_HEX_DIGITS = 40
_MAX_INPUT_CHARS = 128
_SEPARATORS = re.compile(r"[\s:]+")
_HEX = re.compile(r"[0-9A-F]+")


class SerialError(InputError):
    """Keys: ``serial_empty``, ``serial_not_hex``, ``serial_too_long``."""


def serial_to_hex(value: int) -> str:
    """Canonical form of an integer serial: ``0x0a1b`` -> ``A1B``."""
    if value < 0:
        raise ValueError("serial numbers are not negative")
    return f"{value:X}"


def normalize_serial(raw: str) -> str:
    """``"0a:1b 2c"`` -> ``"A1B2C"``; SerialError if it is not a plausible serial."""
    if len(raw) > _MAX_INPUT_CHARS:
        raise SerialError("serial_too_long")
    text = _SEPARATORS.sub("", raw).upper()
    if not text:
        raise SerialError("serial_empty")
    if not _HEX.fullmatch(text):
        raise SerialError("serial_not_hex")
    significant = text.lstrip("0") or "0"
    if len(significant) > MAX_SERIAL_HEX_DIGITS:
        raise SerialError("serial_too_long")
    return significant
