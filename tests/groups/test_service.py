"""The guard's database side on SQLite and PostgreSQL: switch, rate limits, counts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import migrate
from bot.db.base import utcnow
from bot.db.engine import create_engine, create_sessionmaker
from bot.groups import service
from bot.groups.rights import RightsCache
from bot.groups.service import (
    SENDER_COOLDOWN,
    WARNINGS_PER_GROUP_PER_MINUTE,
    CatchKind,
    GroupSettings,
    GuardStats,
)

GROUP = -1_001_234_567_890


@pytest.fixture
async def session(database_url: str) -> AsyncIterator[AsyncSession]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    try:
        async with create_sessionmaker(engine)() as opened:
            yield opened
    finally:
        await engine.dispose()


async def test_guard_is_on_by_default_and_remembers_a_switch(session: AsyncSession) -> None:
    assert await service.settings_of(session, GROUP) == GroupSettings(enabled=True)
    await service.remember_group(session, GROUP, "kk")
    await service.set_enabled(session, GROUP, False, by_user=7)
    assert await service.settings_of(session, GROUP) == GroupSettings(False, "kk")
    # Adding the bot again switches the guard back on, as its introduction says.
    await service.remember_group(session, GROUP, "ru")
    assert await service.settings_of(session, GROUP) == GroupSettings(True, "ru")


async def test_a_sender_is_warned_again_only_after_the_cooldown(session: AsyncSession) -> None:
    start = utcnow()

    async def catch(sender: int, at: timedelta) -> bool:
        return await service.record_catch(
            session,
            chat_id=GROUP,
            sender_id=sender,
            kind=CatchKind.CONTAINER,
            deleted=True,
            now=start + at,
        )

    assert await catch(1, timedelta(0))
    assert not await catch(1, timedelta(minutes=1))
    assert await catch(2, timedelta(minutes=1))
    assert not await catch(1, SENDER_COOLDOWN - timedelta(seconds=1))
    assert await catch(1, SENDER_COOLDOWN + timedelta(seconds=1))


async def test_warnings_per_group_are_capped_per_minute(session: AsyncSession) -> None:
    start = utcnow()
    warned = [
        await service.record_catch(
            session,
            chat_id=GROUP,
            sender_id=sender,
            kind=CatchKind.CREDENTIALS,
            deleted=False,
            now=start + timedelta(seconds=sender),
        )
        for sender in range(WARNINGS_PER_GROUP_PER_MINUTE + 3)
    ]
    assert warned.count(True) == WARNINGS_PER_GROUP_PER_MINUTE
    # A sender held back by the group's cap was not put on cooldown: warned once it clears.
    later = start + timedelta(minutes=2)
    assert await service.record_catch(
        session,
        chat_id=GROUP,
        sender_id=WARNINGS_PER_GROUP_PER_MINUTE + 1,
        kind=CatchKind.CREDENTIALS,
        deleted=False,
        now=later,
    )


async def test_stats_add_up(session: AsyncSession) -> None:
    assert await service.guard_stats(session) == GuardStats()
    for sender, kind, deleted in [
        (1, CatchKind.CONTAINER, True),
        (1, CatchKind.CONTAINER, True),
        (2, CatchKind.CONTAINER, False),
        (3, CatchKind.CREDENTIALS, True),
    ]:
        await service.record_catch(
            session, chat_id=GROUP, sender_id=sender, kind=kind, deleted=deleted
        )
    await service.set_enabled(session, GROUP - 1, False, by_user=7)
    await service.set_enabled(session, GROUP - 2, True, by_user=7)
    assert await service.guard_stats(session) == GuardStats(
        containers=3,
        containers_deleted=2,
        credentials=1,
        credentials_deleted=1,
        warnings=3,
        groups_off=1,
    )


def test_rights_cache_expires() -> None:
    now = [0.0]
    cache = RightsCache(ttl=60, clock=lambda: now[0])
    assert cache.get(1) is None
    cache.put(1, True)
    now[0] = 59.9
    assert cache.get(1) is True
    now[0] = 60.0
    assert cache.get(1) is None
    cache.put(1, False)
    cache.forget(1)
    assert cache.get(1) is None
