import itertools
import tracemalloc
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from bot.signatures.enums import KeyType, RegistryStatus
from bot.signatures.registry_csv import (
    COLUMNS,
    RegistryHeaderError,
    RegistryRow,
    RowError,
    iter_registry_rows,
)

HEADER = ",".join(COLUMNS)
GOOD = {
    "serial_number": "3e:6d:4f:d1",
    "iin": "061211600012",
    "full_name": "ИВАНОВ ИВАН ИВАНОВИЧ",
    "phone": "+7 701 123 45 67",
    "key_type": "sign",
    "valid_from": "2025-01-01",
    "valid_to": "2026-01-01",
    "status": "valid",
    "org_bin": "",
    "org_name": "",
}


def line(**overrides: str) -> str:
    values = {**GOOD, **overrides}
    return ",".join(values[column] for column in COLUMNS) + "\n"


def parse(*rows: str) -> list[RegistryRow | RowError]:
    return list(iter_registry_rows([HEADER + "\n", *rows]))


def only_error(*rows: str) -> RowError:
    (result,) = parse(*rows)
    assert isinstance(result, RowError), result
    return result


def test_a_personal_row() -> None:
    (row,) = parse(line())
    assert row == RegistryRow(
        line=2,
        serial_number="3E6D4FD1",
        iin="061211600012",
        full_name="ИВАНОВ ИВАН ИВАНОВИЧ",
        phone="+77011234567",
        key_type=KeyType.SIGN,
        valid_from=date(2025, 1, 1),
        valid_to=date(2026, 1, 1),
        status=RegistryStatus.VALID,
        org_bin=None,
        org_name=None,
    )


def test_an_organisation_row_with_quoted_comma() -> None:
    (row,) = parse(line(org_bin="971240001315", org_name='"ТОО ""РОМАШКА"", филиал"'))
    assert isinstance(row, RegistryRow)
    assert row.org_bin == "971240001315"
    assert row.org_name == 'ТОО "РОМАШКА", филиал'


def test_values_are_trimmed_and_enums_case_insensitive() -> None:
    (row,) = parse(line(full_name="  ИВАНОВ   ИВАН  ", key_type=" AUTH ", status="Revoked"))
    assert isinstance(row, RegistryRow)
    assert (row.full_name, row.key_type, row.status) == (
        "ИВАНОВ ИВАН",
        KeyType.AUTH,
        RegistryStatus.REVOKED,
    )


def test_same_day_validity_is_allowed() -> None:
    (row,) = parse(line(valid_from="2025-05-05", valid_to="2025-05-05"))
    assert isinstance(row, RegistryRow)


def test_header_with_bom_other_order_and_crlf() -> None:
    columns = list(reversed(COLUMNS))
    values = [GOOD[c] for c in columns]
    rows = list(
        iter_registry_rows(["\ufeff" + ",".join(columns) + "\r\n", ",".join(values) + "\r\n"])
    )
    assert isinstance(rows[0], RegistryRow)
    assert rows[0].serial_number == "3E6D4FD1"


def test_reads_a_real_file(tmp_path: Path) -> None:
    path = tmp_path / "registry.csv"
    path.write_text(HEADER + "\n" + line() + "\n" + line(iin="123"), encoding="utf-8-sig")
    with path.open(encoding="utf-8", newline="") as handle:
        results = list(iter_registry_rows(handle))
    assert isinstance(results[0], RegistryRow)
    assert str(results[1]) == 'line 4: iin "123": must be 12 digits'


def _reason(**overrides: str) -> str:
    return only_error(line(**overrides)).reason


@pytest.mark.parametrize(
    ("overrides", "reason", "column", "code"),
    [
        (
            {"serial_number": ""},
            'line 2: serial_number "": must not be empty',
            "serial_number",
            "serial_empty",
        ),
        (
            {"serial_number": "XYZ"},
            'line 2: serial_number "XYZ": must be hexadecimal (0-9, A-F; spaces and colons are'
            " ignored)",
            "serial_number",
            "serial_not_hex",
        ),
        ({"iin": "123"}, 'line 2: iin "123": must be 12 digits', "iin", "iin_length"),
        ({"iin": ""}, 'line 2: iin "": must be 12 digits', "iin", "iin_length"),
        (
            {"iin": "061211600013"},
            'line 2: iin "061211****13": check digit (last digit) does not match',
            "iin",
            "iin_checksum",
        ),
        (
            {"iin": "061311600012"},
            'line 2: iin "061311****12": first 6 digits are not a real birth date (YYMMDD)',
            "iin",
            "iin_date",
        ),
        (
            {"iin": "061211900012"},
            'line 2: iin "061211****12": 7th digit must be 1-6 (century of birth and sex)',
            "iin",
            "iin_century",
        ),
        ({"full_name": ""}, "line 2: full_name: must not be empty", "full_name", "full_name_empty"),
        (
            {"full_name": "ИВАНОВ\u0007ИВАН"},
            'line 2: full_name "ИВАНОВ\\u0007ИВАН": contains control characters',
            "full_name",
            "full_name_control",
        ),
        (
            {"full_name": "ИВАНОВ\u202eНАВИ"},
            'line 2: full_name "ИВАНОВ\u202eНАВИ": contains control characters',
            "full_name",
            "full_name_control",
        ),
        (
            {"full_name": "А" * 201},
            f'line 2: full_name "{"А" * 40}…": longer than 200 characters',
            "full_name",
            "full_name_too_long",
        ),
        (
            {"org_bin": "971240001315", "org_name": "Б" * 301},
            f'line 2: org_name "{"Б" * 40}…": longer than 300 characters',
            "org_name",
            "org_name_too_long",
        ),
        ({"phone": ""}, 'line 2: phone "": must not be empty', "phone", "phone_empty"),
        (
            {"phone": "+79991234567"},
            'line 2: phone "+79991****67": is not a Kazakh number (+7 7xx ...)',
            "phone",
            "phone_not_kz",
        ),
        (
            {"phone": "12345"},
            'line 2: phone "12345": must be 10 digits after +7 or 8',
            "phone",
            "phone_length",
        ),
        (
            {"phone": "call me"},
            'line 2: phone "call me": may hold only digits, spaces, ( ) - . and a leading +',
            "phone",
            "phone_chars",
        ),
        (
            {"key_type": "signature"},
            'line 2: key_type "signature": must be one of auth, sign',
            "key_type",
            "key_type_invalid",
        ),
        (
            {"status": "active"},
            'line 2: status "active": must be one of valid, revoked, suspended',
            "status",
            "status_invalid",
        ),
        (
            {"valid_from": "2025-02-30"},
            'line 2: valid_from "2025-02-30": must be a date YYYY-MM-DD',
            "valid_from",
            "date_invalid",
        ),
        (
            {"valid_to": "01.02.2026"},
            'line 2: valid_to "01.02.2026": must be a date YYYY-MM-DD',
            "valid_to",
            "date_invalid",
        ),
        (
            {"valid_from": "2025-01-01", "valid_to": "2024-12-31"},
            'line 2: valid_to "2024-12-31": is before valid_from "2025-01-01"',
            "valid_to",
            "dates_order",
        ),
        (
            {"org_bin": "971240001316", "org_name": "ТОО"},
            'line 2: org_bin "971240001316": check digit (last digit) does not match',
            "org_bin",
            "bin_checksum",
        ),
        (
            {"org_bin": "97124000131", "org_name": "ТОО"},
            'line 2: org_bin "97124000131": must be 12 digits',
            "org_bin",
            "bin_length",
        ),
        (
            {"org_bin": "971240001315"},
            "line 2: org_name: must be given when org_bin is (or both left empty)",
            "org_name",
            "org_incomplete",
        ),
        (
            {"org_name": "ТОО"},
            "line 2: org_bin: must be given when org_name is (or both left empty)",
            "org_bin",
            "org_incomplete",
        ),
    ],
)
def test_bad_values_have_exact_reasons(
    overrides: dict[str, str], reason: str, column: str, code: str
) -> None:
    error = only_error(line(**overrides))
    assert (error.line, error.reason, error.column, error.code) == (2, reason, column, code)


def test_wrong_column_count() -> None:
    short = ",".join(GOOD[c] for c in COLUMNS[:-1]) + "\n"
    error = only_error(short)
    assert (error.reason, error.column, error.code) == (
        "line 2: expected 10 columns, found 9",
        None,
        "columns",
    )
    assert only_error(line().rstrip("\n") + ",extra\n").reason == (
        "line 2: expected 10 columns, found 11"
    )


def test_bad_quoting_spoils_only_its_own_line() -> None:
    results = parse('3e,"061211600012,x\n', line())
    assert isinstance(results[0], RowError)
    assert results[0].reason == "line 2: badly quoted field"
    assert isinstance(results[1], RegistryRow)
    assert results[1].line == 3


def test_overlong_line() -> None:
    error = only_error(line(org_name="x" * 5000, org_bin="971240001315"))
    assert (error.reason, error.code) == ("line 2: longer than 4096 characters", "line_too_long")


def test_only_the_first_problem_is_reported() -> None:
    assert _reason(serial_number="", iin="1") == 'line 2: serial_number "": must not be empty'


def test_blank_lines_are_skipped_but_counted() -> None:
    results = parse("\n", "   \n", line(iin="1"), line())
    assert [r.line for r in results] == [4, 5]
    assert isinstance(results[0], RowError)
    assert results[0].reason.startswith("line 4: ")


def test_duplicate_serials_are_both_yielded_in_file_order() -> None:
    # Documented choice: the later row wins, by the importer upserting in file order.
    results = parse(line(status="valid"), line(serial_number="3E6D4FD1", status="revoked"))
    assert [r.status for r in results if isinstance(r, RegistryRow)] == [
        RegistryStatus.VALID,
        RegistryStatus.REVOKED,
    ]


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, f"line 1: file is empty; expected the header {HEADER}"),
        ("\n", f"line 1: file is empty; expected the header {HEADER}"),
        (
            HEADER.replace(",org_name", ""),
            f"line 1: header must be {HEADER} (missing org_name)",
        ),
        (
            HEADER.replace("phone", "telephone"),
            f'line 1: header must be {HEADER} (missing phone; unknown "telephone")',
        ),
        (
            HEADER + ",iin",
            f"line 1: header must be {HEADER} (repeated iin)",
        ),
        (
            HEADER.replace("phone", "Telephone"),
            f'line 1: header must be {HEADER} (missing phone; unknown "Telephone")',
        ),
        (
            HEADER.upper(),
            None,
        ),
        (
            line(),
            f"line 1: header must be {HEADER} (no known column names; is the header row missing?)",
        ),
        (
            "serial_number;iin;full_name",
            f"line 1: header must be {HEADER} (no known column names; is the header row missing?)",
        ),
    ],
)
def test_header_errors(header: str | None, reason: str | None) -> None:
    lines = [] if header is None else [header, line()]
    if reason is None:
        assert isinstance(next(iter_registry_rows(lines)), RegistryRow)
        return
    with pytest.raises(RegistryHeaderError) as caught:
        next(iter_registry_rows(lines))
    assert (caught.value.line, caught.value.reason) == (1, reason)


def _endless_registry() -> Iterator[str]:
    yield HEADER + "\n"
    for number in itertools.count(1):
        yield line(serial_number=f"{number:040X}")


def test_streams_without_reading_ahead() -> None:
    first = list(itertools.islice(iter_registry_rows(_endless_registry()), 1000))
    assert all(isinstance(row, RegistryRow) for row in first)
    assert first[-1].line == 1001


def test_memory_stays_flat_over_many_rows() -> None:
    # A row kept is some hundreds of bytes: 15,000 of them would pass the limit many times over.
    rows = iter_registry_rows(itertools.islice(_endless_registry(), 15_001))
    tracemalloc.start()
    try:
        count = sum(1 for _ in rows)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 15_000
    assert peak < 512 * 1024
