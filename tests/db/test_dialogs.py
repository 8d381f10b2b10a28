"""Dialog state lives in the database, expires, and is remembered a while after expiry."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import dialogs, migrate
from bot.db.base import utcnow
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.models import DialogState


@pytest.fixture
async def session(database_url: str) -> AsyncIterator[AsyncSession]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    async with create_sessionmaker(engine)() as s:
        yield s
    await engine.dispose()


async def _age(session: AsyncSession, by: timedelta) -> None:
    async with session.begin():
        await session.execute(update(DialogState).values(expires_at=utcnow() - by))


async def test_step_round_trip(session: AsyncSession) -> None:
    await dialogs.set_step(session, 1, 2, "password", ttl=timedelta(minutes=5), data={"a": 1})
    pending = await dialogs.get_step(session, 1, 2)
    assert pending == dialogs.Pending("password", {"a": 1}, expired=False)
    assert await dialogs.get_step(session, 1, 3) is None
    # Setting again replaces, never duplicates.
    await dialogs.set_step(session, 1, 2, "status", ttl=timedelta(minutes=5))
    assert (await dialogs.get_step(session, 1, 2)).step == "status"  # type: ignore[union-attr]
    assert await dialogs.clear_step(session, 1, 2) is True
    assert await dialogs.clear_step(session, 1, 2) is False


async def test_expired_step_is_recognised_then_forgotten(session: AsyncSession) -> None:
    await dialogs.set_step(session, 1, 2, "password", ttl=timedelta(minutes=5))
    await _age(session, timedelta(minutes=1))
    pending = await dialogs.get_step(session, 1, 2)
    assert pending is not None
    assert pending.expired
    assert await dialogs.clear_step(session, 1, 2) is False  # nothing live was cancelled
    await dialogs.set_step(session, 1, 2, "password", ttl=timedelta(minutes=5))
    await _age(session, dialogs.EXPIRED_GRACE + timedelta(minutes=1))
    assert await dialogs.get_step(session, 1, 2) is None
    await dialogs.set_step(session, 5, 6, "x", ttl=timedelta(minutes=5))
    await _age(session, dialogs.EXPIRED_GRACE + timedelta(minutes=1))
    assert await dialogs.purge_expired(session) == 1
