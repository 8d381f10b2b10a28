"""What a test pays before its first update: starting the harness, and the pieces of it.

Run: .venv/bin/python tests/benchmarks/bench_test_setup.py [ROUNDS]
Each line compares, in this run, the way the suite did it before with the way it does now:
- the harness (the real Application on SQLite) started on an empty database it migrates, vs on
  a copy of a database migrated once (the `sqlite_url` fixture's template);
- the start-up migration on an up-to-date database: Alembic's own no-op `upgrade heads` vs
  `migrate.upgrade`, which compares the stored revisions with the heads first;
- the content every Application loads: strings and the guidance matcher built afresh vs shared
  per process (`Texts.shared`, `Matcher.shared`), and the TLS context of its two HTTP clients.
Wall-clock medians, and process CPU time for the harness (less sensitive to a busy machine).
"""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextlib import closing
from pathlib import Path

import httpx
from alembic import command
from sqlalchemy import Connection

from bot.config import load_settings
from bot.db import migrate
from bot.db.engine import create_engine
from bot.guidance.matcher import Matcher
from bot.harness import BotHarness
from bot.i18n import CONTENT_DIR, Texts

SECRET = "benchmark-secret-0123456789"


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    await migrate.upgrade(engine)
    await engine.dispose()


async def _start_harness(path: Path, template: Path | None) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    if template is not None:
        with closing(sqlite3.connect(template)) as source, closing(sqlite3.connect(path)) as copy:
            source.backup(copy)
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{path}", bot_data_dir=path.parent, pii_secret=SECRET
    )
    async with BotHarness(settings):
        return time.perf_counter() - wall, time.process_time() - cpu


async def _harness(rounds: int, tmp: Path) -> None:
    template = tmp / "template.sqlite3"
    await _migrate(f"sqlite+aiosqlite:///{template}")
    results: dict[str, list[tuple[float, float]]] = {"empty": [], "copy": []}
    for i in range(rounds + 2):  # the first two of each warm up
        results["empty"].append(await _start_harness(tmp / f"empty{i}.sqlite3", None))
        results["copy"].append(await _start_harness(tmp / f"copy{i}.sqlite3", template))
    (before_wall, before_cpu), (after_wall, after_cpu) = (
        (statistics.median(w for w, _ in runs[2:]), statistics.median(c for _, c in runs[2:]))
        for runs in (results["empty"], results["copy"])
    )
    print(
        f"harness start, migrating an empty database: {before_wall * 1000:.0f} ms "
        f"(cpu {before_cpu * 1000:.0f} ms); on a template copy: {after_wall * 1000:.0f} ms "
        f"(cpu {after_cpu * 1000:.0f} ms); ratio {after_wall / before_wall:.2f} "
        f"(cpu {after_cpu / before_cpu:.2f})"
    )


def _alembic_noop(connection: Connection) -> None:
    command.upgrade(migrate._config(connection), "heads")


async def _noop_upgrade(rounds: int, tmp: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp / 'noop.sqlite3'}")
    await migrate.upgrade(engine)

    async def alembic() -> None:
        async with engine.connect() as conn:
            await conn.run_sync(_alembic_noop)

    async def ours() -> None:
        await migrate.upgrade(engine)

    before = await _median(alembic, rounds * 5)
    after = await _median(ours, rounds * 5)
    await engine.dispose()
    _report("start-up migration, database up to date", before, after, "Alembic's no-op", "ours")


async def _median(action: Callable[[], Awaitable[None]], rounds: int) -> float:
    times = []
    for _ in range(rounds + 2):
        started = time.perf_counter()
        await action()
        times.append(time.perf_counter() - started)
    return statistics.median(times[2:])


def _sync_median(action: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds + 2):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times[2:])


def _report(what: str, before: float, after: float, old: str, new: str) -> None:
    print(
        f"{what}: {old} {before * 1000:.1f} ms, {new} {after * 1000:.2f} ms, "
        f"ratio {after / before:.3f}"
    )


def _content(rounds: int) -> None:
    Texts.shared(CONTENT_DIR)
    Matcher.shared(CONTENT_DIR)
    _report(
        "strings",
        _sync_median(lambda: Texts.load(CONTENT_DIR), rounds),
        _sync_median(lambda: Texts.shared(CONTENT_DIR), rounds),
        "loaded",
        "shared",
    )
    _report(
        "guidance matcher",
        _sync_median(lambda: Matcher.from_content(CONTENT_DIR), rounds),
        _sync_median(lambda: Matcher.shared(CONTENT_DIR), rounds),
        "built",
        "shared",
    )
    tls = _sync_median(httpx.create_ssl_context, rounds)
    print(
        f"TLS context: {tls * 1000:.1f} ms each, two per Application before; "
        "now one per process (bot.app._tls_context)"
    )


async def main(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        await _harness(rounds, Path(tmp))
        await _noop_upgrade(rounds, Path(tmp))
    _content(rounds)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10))
