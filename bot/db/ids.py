"""Row ids that arrive from outside (callback data, command arguments) checked against the
column type before they reach a query.

PostgreSQL refuses a parameter outside its column's range with an error that names the value,
so an id forged into a button ("rv:pick:99999999999") would end as a database error instead of
"this button is not yours". Every table keys its rows with a 32-bit Integer.
"""

from __future__ import annotations

INT32_MAX = 2**31 - 1
# Enough digits for any 32-bit id; longer strings are refused before they are parsed.
MAX_ID_DIGITS = len(str(INT32_MAX))


def row_id(text: str | None) -> int | None:
    """A positive 32-bit id written in ASCII digits, else None."""
    if not text or len(text) > MAX_ID_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 0 < value <= INT32_MAX else None
