"""Shared fixtures: a migrated database per test (SQLite always, PostgreSQL when configured),
copied from a template the session migrates once, and the harness running the real
Application against it."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.config import Settings, load_settings
from bot.db import migrate
from bot.db.engine import create_engine
from bot.db.urls import normalize_database_url
from bot.harness import BotHarness

PG_ENV = "TEST_DATABASE_URL"
NO_PG = f"PostgreSQL tests need {PG_ENV} (e.g. postgresql://postgres@127.0.0.1:5432/test)"
_URL_FIXTURES = {"sqlite": "sqlite_url", "postgresql": "postgres_url"}


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests see only the settings they set: no developer .env, no stray variables."""
    for name in list(os.environ):
        if name in Settings.model_fields or name.upper() in {
            f.upper() for f in Settings.model_fields
        }:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def _run(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run set-up outside the tests' event loop: a thread of its own, a loop of its own."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coroutine).result()


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


# Migrating takes longer than most tests, so each session migrates one template database from
# the revisions in the tree when it starts, and every test gets a copy. Tests about migrating
# itself take the empty_* fixtures.


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "migrated.sqlite3"
    _run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture
def empty_sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"


@pytest.fixture
def sqlite_url(empty_sqlite_url: str, _sqlite_template: Path) -> str:
    """A migrated SQLite database of this test's own: a copy of the session's template."""
    target = make_url(empty_sqlite_url).database
    assert target is not None
    # The backup API copies a consistent database whatever its WAL holds.
    with (
        closing(sqlite3.connect(_sqlite_template)) as source,
        closing(sqlite3.connect(target)) as copy,
    ):
        source.backup(copy)
    return empty_sqlite_url


def _postgres_admin_url() -> str:
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(NO_PG)
    return normalize_database_url(base)


async def _create_database(admin_url: str, name: str, template: str | None = None) -> None:
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    clause = f' TEMPLATE "{template}"' if template else ""
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
    finally:
        await admin.dispose()


async def _drop_database(admin_url: str, name: str) -> None:
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


def _database_url(admin_url: str, name: str) -> str:
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _postgres_template() -> Iterator[str]:
    """The session's migrated template database; unique, as other worktrees' sessions share
    the server. Nothing stays connected to it, or CREATE DATABASE … TEMPLATE would refuse."""
    admin_url = _postgres_admin_url()
    name = f"esign_template_{os.getpid()}_{uuid.uuid4().hex[:8]}"

    async def create() -> None:
        await _create_database(admin_url, name)
        await _migrate(_database_url(admin_url, name))

    try:
        _run(create())
        yield name
    finally:
        _run(_drop_database(admin_url, name))


async def _own_postgres_database(template: str | None) -> AsyncIterator[str]:
    admin_url = _postgres_admin_url()
    name = f"esign_test_{uuid.uuid4().hex[:12]}"
    await _create_database(admin_url, name, template)
    try:
        yield _database_url(admin_url, name)
    finally:
        await _drop_database(admin_url, name)


@pytest.fixture
async def empty_postgres_url() -> AsyncIterator[str]:
    async for url in _own_postgres_database(template=None):
        yield url


@pytest.fixture
async def postgres_url(_postgres_template: str) -> AsyncIterator[str]:
    """A migrated PostgreSQL database of this test's own, created from the template."""
    async for url in _own_postgres_database(template=_postgres_template):
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each database test runs on SQLite and on PostgreSQL, migrated."""
    url: str = request.getfixturevalue(_URL_FIXTURES[request.param])
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest) -> str:
    """The same, but empty: for tests of migrating itself."""
    url: str = request.getfixturevalue(f"empty_{_URL_FIXTURES[request.param]}")
    return url


@pytest.fixture
def settings(tmp_path: Path, sqlite_url: str) -> Settings:
    return load_settings(
        database_url=sqlite_url,
        bot_data_dir=tmp_path,
        pii_secret="test-pii-secret-0123456789",
        operator_ids="",
    )


@pytest.fixture
async def harness(settings: Settings) -> AsyncIterator[BotHarness]:
    """The real Application on SQLite, driven through the fake Bot API."""
    async with BotHarness(settings) as running:
        yield running


@pytest.fixture
async def any_db_harness(database_url: str, tmp_path: Path) -> AsyncIterator[BotHarness]:
    """The same, once on SQLite and once on PostgreSQL."""
    settings = load_settings(
        database_url=database_url, bot_data_dir=tmp_path, pii_secret="test-pii-secret-0123456789"
    )
    async with BotHarness(settings) as running:
        yield running
