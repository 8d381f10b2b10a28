"""The suite's PostgreSQL databases: one handed on to the next test is as a fresh copy would be,
and one whose schema a test changed is never handed on."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from tests.conftest import _postgres_admin_url
from tests.pg_databases import Template, drop_database, fingerprint, url_of


@pytest.fixture
async def template(_postgres_template: Template) -> AsyncIterator[Template]:
    """A pool of this test's own over the session's template, so the session's is untouched."""
    own = Template(_postgres_admin_url(), _postgres_template.name, _postgres_template.fingerprint)
    yield own
    for name in own.free:
        await drop_database(own.admin_url, name)


async def _run(url: str, *statements: str) -> list[object]:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            results = [await conn.execute(text(s)) for s in statements]
            return [r.scalar() if r.returns_rows else None for r in results]
    finally:
        await engine.dispose()


async def _exists(admin_url: str, name: str) -> bool:
    found = await _run(admin_url, f"SELECT count(*) FROM pg_database WHERE datname = '{name}'")
    return found == [1]


async def test_a_handed_on_database_is_empty_with_its_sequences_restarted(
    template: Template,
) -> None:
    name = await template.take()
    url = url_of(template.admin_url, name)
    first_ids = await _run(
        url,
        "INSERT INTO audit_log (at, actor, action, subject, details)"
        " VALUES (now(), 'test', 'approve', 'REV-1', '{}') RETURNING id",
        "INSERT INTO chats (id, type, first_seen, last_seen) VALUES (7, 'private', now(), now())"
        " RETURNING id",
    )
    # A connection left open, as a test that forgot to close one would.
    leftover = create_async_engine(url, poolclass=NullPool)
    held = await leftover.connect()
    await held.execute(text("SELECT 1"))

    await template.give_back(name)
    assert template.free == [name]
    again = await template.take()
    assert again == name
    counts = await _run(
        url,
        "SELECT count(*) FROM audit_log",
        "SELECT count(*) FROM chats",
        "INSERT INTO audit_log (at, actor, action, subject, details)"
        " VALUES (now(), 'test', 'approve', 'REV-1', '{}') RETURNING id",
    )
    assert counts == [0, 0, first_ids[0]]
    await held.invalidate()  # its server side was ended when the database was emptied
    await leftover.dispose()
    template.free.append(again)


async def test_a_changed_schema_is_dropped_not_handed_on(template: Template) -> None:
    name = await template.take()
    url = url_of(template.admin_url, name)
    await _run(url, "ALTER TABLE chats ADD COLUMN extra integer")
    assert await fingerprint(url) != template.fingerprint

    await template.give_back(name)
    assert template.free == []
    assert not await _exists(template.admin_url, name)
