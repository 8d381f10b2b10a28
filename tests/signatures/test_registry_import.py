"""Registry import: transactional, idempotent, with exact reasons for bad rows."""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import migrate
from bot.db.base import utcnow
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.urls import normalize_database_url
from bot.signatures.models import Certificate
from bot.signatures.phones import phone_hash
from bot.signatures.registry import import_registry
from bot.signatures.views import today_in_almaty
from tests.cli_runner import run_cli, run_process

SECRET = b"test-pii-secret-0123456789"
HEADER = "serial_number,iin,full_name,phone,key_type,valid_from,valid_to,status,org_bin,org_name\n"
GOOD = "AA01,850315400005,АХМЕТОВА АЙГЕРИМ,+7 701 111 22 33,sign,2026-01-10,2027-01-10,valid,,\n"
GOOD2 = (
    "AA02,920721400008,СЕРІКОВ НҰРЛАН,87019998877,auth,2026-01-10,2027-01-10,valid,"
    "150340000003,ТОО «Дала»\n"
)
BAD_IIN = "AA03,850315400006,X Y,+77011112233,sign,2026-01-10,2027-01-10,valid,,\n"


@pytest.fixture
async def maker(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    yield create_sessionmaker(engine)
    await engine.dispose()


async def _serials(maker: async_sessionmaker[AsyncSession]) -> dict[str, Certificate]:
    async with maker() as session:
        return {c.serial_number: c for c in (await session.scalars(select(Certificate))).all()}


async def test_import_then_reimport_updates_by_serial(
    maker: async_sessionmaker[AsyncSession],
) -> None:
    report = await import_registry(maker, [HEADER, GOOD, GOOD2], secret=SECRET)
    assert (report.applied, report.rows_written, report.rows_invalid) == (True, 2, 0)
    rows = await _serials(maker)
    assert rows["AA01"].phone_hash == phone_hash("+77011112233", SECRET)
    assert "7011112233" not in json.dumps([vars(r).get("phone_hash") for r in rows.values()])
    assert rows["AA02"].org_bin == "150340000003"
    revoked = GOOD.replace(",valid,", ",revoked,")
    await import_registry(maker, [HEADER, revoked], secret=SECRET)
    rows = await _serials(maker)
    assert len(rows) == 2
    assert rows["AA01"].status == "revoked"


async def test_a_file_with_errors_changes_nothing(maker: async_sessionmaker[AsyncSession]) -> None:
    await import_registry(maker, [HEADER, GOOD], secret=SECRET)
    changed = GOOD.replace(",valid,", ",suspended,")
    report = await import_registry(maker, [HEADER, changed, BAD_IIN, GOOD2], secret=SECRET)
    assert not report.applied
    assert [e.reason for e in report.errors] == [
        'line 3: iin "850315****06": check digit (last digit) does not match'
    ]
    rows = await _serials(maker)
    assert set(rows) == {"AA01"}
    assert rows["AA01"].status == "valid"


async def test_skip_invalid_imports_the_good_rows(maker: async_sessionmaker[AsyncSession]) -> None:
    report = await import_registry(
        maker, [HEADER, GOOD, BAD_IIN, GOOD2], secret=SECRET, skip_invalid=True
    )
    assert (report.applied, report.rows_written, report.rows_invalid) == (True, 2, 1)
    assert set(await _serials(maker)) == {"AA01", "AA02"}


async def test_duplicate_serial_in_one_file_later_row_wins(
    maker: async_sessionmaker[AsyncSession],
) -> None:
    later = GOOD.replace(",valid,", ",revoked,")
    await import_registry(maker, [HEADER, GOOD, later], secret=SECRET)
    assert (await _serials(maker))["AA01"].status == "revoked"


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, cwd=cwd, env={"PII_SECRET": SECRET.decode()})


def test_cli_reports_each_bad_row_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "registry.csv"
    path.write_text(
        HEADER
        + GOOD
        + BAD_IIN
        + "AA04,850315400005,X,+77011112233,sign,2026-13-01,2027-01-10,valid,,\n"
        "AA05,850315400005,X,+77011112233,sign,2026-01-10,2027-01-10,valid,150340000004,ТОО\n",
        encoding="utf-8",
    )
    result = _cli("registry", "import", str(path), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout.splitlines() == [
        'line 3: iin "850315****06": check digit (last digit) does not match',
        'line 4: valid_from "2026-13-01": must be a date YYYY-MM-DD',
        'line 5: org_bin "150340000004": check digit (last digit) does not match',
        "nothing imported: 3 bad rows (fix them, or import the rest with --skip-invalid)",
    ]
    skipped = _cli("registry", "import", str(path), "--skip-invalid", "--json", cwd=tmp_path)
    assert skipped.returncode == 1
    assert json.loads(skipped.stdout)["rows_written"] == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("serial,iin\n1,2\n", "esign-bot: error: {path}: line 1: "),
        (b"\xff\xfe\x00bad", "esign-bot: error: {path}: not UTF-8 text"),
    ],
)
def test_cli_bad_files(tmp_path: Path, content: str | bytes, message: str) -> None:
    path = tmp_path / "registry.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    result = _cli("registry", "import", str(path), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(message.format(path=path))


async def test_status_since_changes_only_with_the_status(
    maker: async_sessionmaker[AsyncSession],
) -> None:
    """/status says since when a key is revoked: a re-import that keeps the status keeps the day."""
    await import_registry(maker, [HEADER, GOOD, GOOD2], secret=SECRET)
    async with maker() as session, session.begin():
        for certificate in (await session.scalars(select(Certificate))).all():
            certificate.status_since = date(2026, 1, 10)
    revoked = GOOD.replace(",valid,", ",revoked,")
    await import_registry(maker, [HEADER, revoked, GOOD2], secret=SECRET)
    rows = await _serials(maker)
    assert rows["AA01"].status == "revoked"
    assert rows["AA01"].status_since == today_in_almaty(utcnow())  # changed: today
    assert rows["AA02"].status_since == date(2026, 1, 10)  # unchanged: kept


NO_PII_SECRET = (
    "esign-bot: error: PII_SECRET: required outside the demo database "
    "(phone numbers are hashed with it)\n"
)


async def _import_without_secret(tmp_path: Path, url: str) -> None:
    path = tmp_path / "registry.csv"
    path.write_text(HEADER + GOOD, encoding="utf-8")
    result = await asyncio.to_thread(
        run_cli, "registry", "import", str(path), cwd=tmp_path, env={"DATABASE_URL": url}
    )
    assert result.returncode == 2
    assert result.stderr == NO_PII_SECRET
    assert result.stdout == ""
    # Nothing was written, not even the schema.
    check = create_engine(normalize_database_url(url))
    try:
        async with check.connect() as conn:
            tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await check.dispose()
    assert "certificates" not in tables


async def test_import_without_pii_secret_stops_on_postgresql(
    empty_postgres_url: str, tmp_path: Path
) -> None:
    """The public demo key would make the phones reversible and unmatchable in production."""
    await _import_without_secret(tmp_path, empty_postgres_url)


async def test_import_without_pii_secret_stops_on_another_sqlite_file(tmp_path: Path) -> None:
    await _import_without_secret(tmp_path, f"sqlite:///{tmp_path / 'registry.sqlite3'}")


def test_the_demo_database_may_use_the_demo_key(tmp_path: Path) -> None:
    path = tmp_path / "registry.csv"
    path.write_text(HEADER + GOOD, encoding="utf-8")
    env = {"BOT_DATA_DIR": str(tmp_path / "data")}
    result = run_cli("registry", "import", str(path), cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "esign-bot.sqlite3").is_file()
    # The chat refuses another database without the key, as the import does.
    chat = run_process(
        "chat", cwd=tmp_path, env={"DATABASE_URL": f"sqlite:///{tmp_path / 'other.sqlite3'}"}
    )
    assert (chat.returncode, chat.stderr) == (2, NO_PII_SECRET)
