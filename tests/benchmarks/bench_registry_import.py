"""Registry import throughput: rows per second into SQLite and PostgreSQL, in bounded memory.

Run: .venv/bin/python tests/benchmarks/bench_registry_import.py [ROWS]
PostgreSQL is measured too when TEST_DATABASE_URL is set. The baseline, measured in the same
run, is parsing and validating the file without a database; the ratio shows what the database
adds. Peak memory is the process's maximum resident size after each phase.
"""

from __future__ import annotations

import asyncio
import os
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.db import migrate
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.urls import normalize_database_url
from bot.signatures.identifiers import compute_check_digit
from bot.signatures.registry import import_registry
from bot.signatures.registry_csv import iter_registry_rows

HEADER = "serial_number,iin,full_name,phone,key_type,valid_from,valid_to,status,org_bin,org_name\n"
SECRET = b"benchmark-secret-0123456789"


def _iin(n: int) -> str:
    for bump in range(10):
        first = f"85031540{(n * 10 + bump) % 1000:03d}"
        digit = compute_check_digit(first)
        if digit is not None:
            return first + str(digit)
    raise AssertionError("no IIN")


def write_csv(path: Path, rows: int) -> None:
    iins = [_iin(i) for i in range(1000)]
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for i in range(rows):
            org = "150340000003,ТОО Дала" if i % 3 == 0 else ","
            out.write(
                f"{i + 1:X},{iins[i % 1000]},ИВАНОВ ИВАН {i % 97},+7701{i % 10_000_000:07d},"
                f"{'sign' if i % 2 else 'auth'},2026-01-01,2027-01-01,valid,{org}\n"
            )


def _lines(path: Path):  # type: ignore[no-untyped-def]
    with path.open(encoding="utf-8-sig", newline="") as handle:
        yield from handle


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _import(url: str, path: Path) -> tuple[float, int]:
    engine = create_engine(url)
    await migrate.upgrade(engine)
    start = time.perf_counter()
    report = await import_registry(create_sessionmaker(engine), _lines(path), secret=SECRET)
    elapsed = time.perf_counter() - start
    await engine.dispose()
    assert report.applied, report.errors[:3]
    return elapsed, report.rows_written


async def _fresh_pg(base: str) -> tuple[str, str, str]:
    admin_url = normalize_database_url(base)
    name = f"esign_bench_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return admin_url, name, make_url(admin_url).set(database=name).render_as_string(False)


async def _drop_pg(admin_url: str, name: str) -> None:
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


async def main(rows: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "registry.csv"
        write_csv(path, rows)
        size_mb = path.stat().st_size / 1e6
        print(f"registry import benchmark: {rows:,} rows, {size_mb:.0f} MB CSV")
        start = time.perf_counter()
        parsed = sum(1 for _ in iter_registry_rows(_lines(path)))
        parse_s = time.perf_counter() - start
        print(
            f"  baseline (parse + validate only): {parsed / parse_s:,.0f} rows/s, "
            f"peak RSS {peak_mb():.0f} MB"
        )
        sqlite_url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
        elapsed, written = await _import(sqlite_url, path)
        print(
            f"  SQLite:     {written / elapsed:,.0f} rows/s ({elapsed:.1f} s), "
            f"{parse_s / elapsed:.2f} of parse speed, peak RSS {peak_mb():.0f} MB"
        )
        base = os.environ.get("TEST_DATABASE_URL")
        if not base:
            print("  PostgreSQL: skipped (set TEST_DATABASE_URL)")
            return
        admin_url, name, pg_url = await _fresh_pg(base)
        try:
            elapsed, written = await _import(pg_url, path)
            print(
                f"  PostgreSQL: {written / elapsed:,.0f} rows/s ({elapsed:.1f} s), "
                f"{parse_s / elapsed:.2f} of parse speed, peak RSS {peak_mb():.0f} MB"
            )
        finally:
            await _drop_pg(admin_url, name)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000))
