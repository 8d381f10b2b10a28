"""Button flows: one per user and chat, superseded by a newer one, ended by /cancel or expiry."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import flows, migrate
from bot.db.engine import create_engine, create_sessionmaker


@pytest.fixture
async def session(database_url: str) -> AsyncIterator[AsyncSession]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    async with create_sessionmaker(engine)() as s:
        yield s
    await engine.dispose()


async def test_a_newer_flow_supersedes_the_older(session: AsyncSession) -> None:
    old = await flows.begin(session, 1, 10, "revocations.citizen")
    new = await flows.begin(session, 1, 10, "revocations.citizen")
    assert old != new
    assert not await flows.is_current(session, 1, 10, "revocations.citizen", old)
    assert await flows.is_current(session, 1, 10, "revocations.citizen", new)
    # Another flow's name, another user or another chat never matches.
    assert not await flows.is_current(session, 1, 10, "revocations.approve", new)
    assert not await flows.is_current(session, 1, 11, "revocations.citizen", new)
    assert not await flows.is_current(session, 2, 10, "revocations.citizen", new)


async def test_finish_ends_only_its_own_flow(session: AsyncSession) -> None:
    old = await flows.begin(session, 1, 10, "a")
    new = await flows.begin(session, 1, 10, "b")
    assert not await flows.finish(session, 1, 10, old)  # a stale nonce ends nothing
    assert await flows.is_current(session, 1, 10, "b", new)
    assert await flows.finish(session, 1, 10, new)
    assert not await flows.is_current(session, 1, 10, "b", new)
    assert not await flows.finish(session, 1, 10, new)


async def test_cancel_and_expiry(session: AsyncSession) -> None:
    nonce = await flows.begin(session, 1, 10, "a")
    assert await flows.cancel(session, 1, 10)
    assert not await flows.is_current(session, 1, 10, "a", nonce)
    assert not await flows.cancel(session, 1, 10)
    expired = await flows.begin(session, 1, 10, "a", ttl=timedelta(seconds=-1))
    assert not await flows.is_current(session, 1, 10, "a", expired)
    assert not await flows.cancel(session, 1, 10)  # an expired flow is nothing to cancel
    await flows.begin(session, 2, 20, "a", ttl=timedelta(seconds=-1))
    assert await flows.purge_expired(session) == 1


def test_nonces_fit_the_pattern() -> None:
    import re

    assert re.fullmatch(flows.NONCE_PATTERN, flows.new_nonce())
