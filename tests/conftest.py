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
from typing import Any, TypeVar

import pytest
from sqlalchemy.engine import make_url

from bot.config import Settings, load_settings
from bot.db import migrate
from bot.db.engine import create_engine
from bot.db.urls import normalize_database_url
from bot.harness import BotHarness
from tests.pg_databases import Template, create_database, drop_database, fingerprint, url_of

PG_ENV = "TEST_DATABASE_URL"
NO_PG = f"PostgreSQL tests need {PG_ENV} (e.g. postgresql://postgres@127.0.0.1:5432/test)"
_URL_FIXTURES = {"sqlite": "sqlite_url", "postgresql": "postgres_url"}
T = TypeVar("T")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests see only the settings they set: no developer .env, no stray variables."""
    for name in list(os.environ):
        if name in Settings.model_fields or name.upper() in {
            f.upper() for f in Settings.model_fields
        }:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run set-up outside the tests' event loop: a thread of its own, a loop of its own."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


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


@pytest.fixture(scope="session")
def _postgres_template() -> Iterator[Template]:
    """The session's migrated template database; unique, as other worktrees' sessions share
    the server. Nothing stays connected to it, or CREATE DATABASE … TEMPLATE would refuse."""
    admin_url = _postgres_admin_url()
    name = f"esign_template_{os.getpid()}_{uuid.uuid4().hex[:8]}"

    async def create() -> str | None:
        await create_database(admin_url, name)
        url = url_of(admin_url, name)
        await _migrate(url)
        return await fingerprint(url)

    template = Template(admin_url, name, fingerprint=None)
    try:
        template.fingerprint = _run(create())
        yield template
    finally:
        _run(template.close())


async def _own_postgres_database(template: str | None) -> AsyncIterator[str]:
    admin_url = _postgres_admin_url()
    name = f"esign_test_{uuid.uuid4().hex[:12]}"
    await create_database(admin_url, name, template)
    try:
        yield url_of(admin_url, name)
    finally:
        await drop_database(admin_url, name)


@pytest.fixture
async def empty_postgres_url() -> AsyncIterator[str]:
    async for url in _own_postgres_database(template=None):
        yield url


@pytest.fixture
async def postgres_url(_postgres_template: Template) -> AsyncIterator[str]:
    """A migrated PostgreSQL database of this test's own: a copy of the template, or one a
    previous test of this worker left as the template was, emptied (tests/pg_databases.py)."""
    name = await _postgres_template.take()
    try:
        yield url_of(_postgres_template.admin_url, name)
    finally:
        await _postgres_template.give_back(name)


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
