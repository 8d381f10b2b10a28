"""Streaming parser for the certificate registry CSV that operators import.

Format: UTF-8 (a byte-order mark is accepted), comma-separated, one record per line, a header
row on line 1 naming these columns in any order::

    serial_number,iin,full_name,phone,key_type,valid_from,valid_to,status,org_bin,org_name

* ``serial_number``: hex; case, spaces, colons and leading zeros do not matter.
* ``iin``: a valid IIN. ``phone``: a Kazakh number, stored in E.164 form.
* ``key_type``: ``auth`` or ``sign``. ``status``: ``valid``, ``revoked`` or ``suspended``.
* ``valid_from`` / ``valid_to``: calendar dates ``YYYY-MM-DD``, ``valid_from <= valid_to``.
* ``org_bin`` / ``org_name``: both empty for a personal certificate, both set for an
  organisation's (the BIN is fully validated).

Each line is parsed on its own, so a stray quote spoils one record, not the rest of the
file, and memory stays flat however long the file is. Quoted fields may hold commas but not
line breaks.

**Duplicate serial numbers: the later row wins.** The parser keeps no state between rows
(remembering every serial would grow with the file), so it yields both rows and the importer
must upsert by serial number, in file order.

Messages in :class:`RowError` are English: they are for the operator CLI, not for citizens.
"""

import csv
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from bot.signatures.enums import KeyType, RegistryStatus
from bot.signatures.identifiers import bin_problem, iin_problem
from bot.signatures.phones import PhoneError, normalize_phone
from bot.signatures.serials import MAX_SERIAL_HEX_DIGITS, SerialError, normalize_serial
from bot.signatures.text import has_control_characters

COLUMNS = (
    "serial_number",
    "iin",
    "full_name",
    "phone",
    "key_type",
    "valid_from",
    "valid_to",
    "status",
    "org_bin",
    "org_name",
)
MAX_LINE_CHARS = 4096
MAX_FULL_NAME_CHARS = 200
MAX_ORG_NAME_CHARS = 300

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SHOWN_VALUE_CHARS = 40
_PERSONAL_COLUMNS = frozenset({"iin", "phone"})
_BOM = "\ufeff"

_MESSAGES = {
    "serial_empty": "must not be empty",
    "serial_not_hex": "must be hexadecimal (0-9, A-F; spaces and colons are ignored)",
    "serial_too_long": f"must have at most {MAX_SERIAL_HEX_DIGITS} significant hex digits",
    "iin_length": "must be 12 digits",
    "iin_digits": "must be 12 digits",
    "iin_century": "7th digit must be 1-6 (century of birth and sex)",
    "iin_date": "first 6 digits are not a real birth date (YYMMDD)",
    "iin_checksum": "check digit (last digit) does not match",
    "bin_length": "must be 12 digits",
    "bin_digits": "must be 12 digits",
    "bin_month": "digits 3-4 must be a month 01-12",
    "bin_kind": "5th digit must be 4, 5 or 6 (kind of entity)",
    "bin_division": "6th digit must be 0-3 (head office, branch, representative office, farm)",
    "bin_checksum": "check digit (last digit) does not match",
    "phone_empty": "must not be empty",
    "phone_chars": "may hold only digits, spaces, ( ) - . and a leading +",
    "phone_length": "must be 10 digits after +7 or 8",
    "phone_not_kz": "is not a Kazakh number (+7 7xx ...)",
}


@dataclass(frozen=True, slots=True)
class RegistryRow:
    """One valid registry record. ``line`` is its line number in the file."""

    line: int
    serial_number: str
    iin: str
    full_name: str
    phone: str
    key_type: KeyType
    valid_from: date
    valid_to: date
    status: RegistryStatus
    org_bin: str | None
    org_name: str | None


@dataclass(frozen=True, slots=True)
class RowError:
    """A rejected record: ``reason`` is the full operator message, ``line 7: iin "123": ...``.

    ``column`` is None for problems with the whole line; ``code`` is a stable key for
    counting errors by kind (``iin_checksum``, ``columns``, ``dates_order``...).
    """

    line: int
    reason: str
    column: str | None
    code: str

    def __str__(self) -> str:
        return self.reason


class RegistryHeaderError(ValueError):
    """The header row is missing or wrong; nothing in the file can be read."""

    def __init__(self, problem: str) -> None:
        self.line = 1
        self.reason = f"line 1: {problem}"
        super().__init__(self.reason)


class _Problem(Exception):
    def __init__(self, column: str | None, code: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.code = code
        self.message = message


def _quoted(value: str) -> str:
    """Double-quoted, control characters escaped, cut to a readable length."""
    if len(value) > _SHOWN_VALUE_CHARS:
        value = value[:_SHOWN_VALUE_CHARS] + "…"
    return json.dumps(value, ensure_ascii=False)


def _shown(column: str, value: str) -> str:
    """Quote a value for a message, with IINs and phones half hidden."""
    if column in _PERSONAL_COLUMNS and len(value) >= 8:
        value = value[:6] + "*" * (len(value) - 8) + value[-2:]
    return _quoted(value)


def _fail(column: str, value: str, code: str, message: str | None = None) -> _Problem:
    text = message if message is not None else _MESSAGES[code]
    return _Problem(column, code, f"{column} {_shown(column, value)}: {text}")


def _serial(value: str) -> str:
    try:
        return normalize_serial(value)
    except SerialError as error:
        raise _fail("serial_number", value, error.reason) from None


def _iin(value: str) -> str:
    problem = iin_problem(value)
    if problem is not None:
        raise _fail("iin", value, problem)
    return value


def _name(column: str, value: str, limit: int) -> str:
    if not value:
        raise _Problem(column, f"{column}_empty", f"{column}: must not be empty")
    if len(value) > limit:
        raise _fail(column, value, f"{column}_too_long", f"longer than {limit} characters")
    if has_control_characters(value):
        raise _fail(column, value, f"{column}_control", "contains control characters")
    # Registries pad names unevenly; one space between words keeps lookups and display sane.
    return " ".join(value.split())


def _phone(value: str) -> str:
    try:
        return normalize_phone(value)
    except PhoneError as error:
        raise _fail("phone", value, error.reason) from None


def _key_type(value: str) -> KeyType:
    try:
        return KeyType(value.lower())
    except ValueError:
        raise _fail("key_type", value, "key_type_invalid", "must be one of auth, sign") from None


def _status(value: str) -> RegistryStatus:
    try:
        return RegistryStatus(value.lower())
    except ValueError:
        message = "must be one of valid, revoked, suspended"
        raise _fail("status", value, "status_invalid", message) from None


def _date(column: str, value: str) -> date:
    if _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _fail(column, value, "date_invalid", "must be a date YYYY-MM-DD")


def _organisation(bin_value: str, name_value: str) -> tuple[str | None, str | None]:
    if not bin_value and not name_value:
        return None, None
    if not bin_value:
        message = "org_bin: must be given when org_name is (or both left empty)"
        raise _Problem("org_bin", "org_incomplete", message)
    if not name_value:
        message = "org_name: must be given when org_bin is (or both left empty)"
        raise _Problem("org_name", "org_incomplete", message)
    problem = bin_problem(bin_value)
    if problem is not None:
        raise _fail("org_bin", bin_value, problem)
    return bin_value, _name("org_name", name_value, MAX_ORG_NAME_CHARS)


def _split(text: str) -> list[str]:
    try:
        return next(csv.reader([text], strict=True), [])
    except csv.Error:
        raise _Problem(None, "csv_quoting", "badly quoted field") from None


def _parse_header(text: str) -> dict[str, int]:
    text = text.removeprefix(_BOM).rstrip("\r\n")
    try:
        shown = [name.strip() for name in next(csv.reader([text], strict=True), [])]
    except csv.Error:
        shown = []
    names = [name.lower() for name in shown]
    expected = ",".join(COLUMNS)
    if not set(names) & set(COLUMNS):
        # Probably a data row: listing its "column names" would echo IINs and phones.
        raise RegistryHeaderError(
            f"header must be {expected} (no known column names; is the header row missing?)"
        )
    problems = []
    missing = [column for column in COLUMNS if column not in names]
    unknown = [shown[i] for i, name in enumerate(names) if name not in COLUMNS]
    repeated = [c for c in COLUMNS if names.count(c) > 1]
    if missing:
        problems.append("missing " + ", ".join(missing))
    if unknown:
        problems.append("unknown " + ", ".join(_quoted(name) for name in unknown[:5]))
    if repeated:
        problems.append("repeated " + ", ".join(repeated))
    if problems:
        raise RegistryHeaderError(f"header must be {expected} ({'; '.join(problems)})")
    return {name: index for index, name in enumerate(names)}


def _parse_row(line_number: int, fields: list[str], index: dict[str, int]) -> RegistryRow:
    if len(fields) != len(COLUMNS):
        message = f"expected {len(COLUMNS)} columns, found {len(fields)}"
        raise _Problem(None, "columns", message)
    value = {name: fields[position].strip() for name, position in index.items()}
    serial_number = _serial(value["serial_number"])
    iin = _iin(value["iin"])
    full_name = _name("full_name", value["full_name"], MAX_FULL_NAME_CHARS)
    phone = _phone(value["phone"])
    key_type = _key_type(value["key_type"])
    valid_from = _date("valid_from", value["valid_from"])
    valid_to = _date("valid_to", value["valid_to"])
    if valid_to < valid_from:
        message = f"is before valid_from {_shown('valid_from', value['valid_from'])}"
        raise _fail("valid_to", value["valid_to"], "dates_order", message)
    status = _status(value["status"])
    org_bin, org_name = _organisation(value["org_bin"], value["org_name"])
    return RegistryRow(
        line=line_number,
        serial_number=serial_number,
        iin=iin,
        full_name=full_name,
        phone=phone,
        key_type=key_type,
        valid_from=valid_from,
        valid_to=valid_to,
        status=status,
        org_bin=org_bin,
        org_name=org_name,
    )


def iter_registry_rows(lines: Iterable[str]) -> Iterator[RegistryRow | RowError]:
    """Yield a :class:`RegistryRow` or a :class:`RowError` for every non-blank data line.

    ``lines`` is anything that yields text lines, with or without line endings: an open
    text file (``encoding="utf-8-sig"`` or ``"utf-8"``), a list, a generator. Line 1 must be
    the header; if it is wrong, :class:`RegistryHeaderError` is raised on the first ``next()``
    and nothing is yielded. Only the first problem of a row is reported, columns checked left
    to right in the order above. Blank lines are skipped but still counted.
    """
    iterator = iter(lines)
    header = next(iterator, None)
    if header is None or not header.strip():
        raise RegistryHeaderError(f"file is empty; expected the header {','.join(COLUMNS)}")
    index = _parse_header(header)
    for line_number, raw in enumerate(iterator, start=2):
        text = raw.rstrip("\r\n")
        if not text.strip():
            continue
        item: RegistryRow | RowError
        try:
            if len(text) > MAX_LINE_CHARS:
                raise _Problem(None, "line_too_long", f"longer than {MAX_LINE_CHARS} characters")
            item = _parse_row(line_number, _split(text), index)
        except _Problem as problem:
            reason = f"line {line_number}: {problem.message}"
            item = RowError(line_number, reason, problem.column, problem.code)
        yield item
