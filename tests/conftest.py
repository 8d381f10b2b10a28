"""Shared fixtures: a database per test (SQLite always, PostgreSQL when configured) and the
harness running the real Application against it."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.config import Settings, load_settings
from bot.db.urls import normalize_database_url
from bot.harness import BotHarness

PG_ENV = "TEST_DATABASE_URL"
NO_PG = f"PostgreSQL tests need {PG_ENV} (e.g. postgresql://postgres@127.0.0.1:5432/test)"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests see only the settings they set: no developer .env, no stray variables."""
    for name in list(os.environ):
        if name in Settings.model_fields or name.upper() in {
            f.upper() for f in Settings.model_fields
        }:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


async def _fresh_postgres_database() -> tuple[str, str, str]:
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(NO_PG)
    admin_url = normalize_database_url(base)
    name = f"esign_test_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    return admin_url, name, url


async def _drop_postgres_database(admin_url: str, name: str) -> None:
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    admin_url, name, url = await _fresh_postgres_database()
    try:
        yield url
    finally:
        await _drop_postgres_database(admin_url, name)


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Each database test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
        return
    admin_url, name, url = await _fresh_postgres_database()
    try:
        yield url
    finally:
        await _drop_postgres_database(admin_url, name)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"


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
