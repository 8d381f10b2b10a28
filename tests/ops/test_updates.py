"""The update guard: each update handled once, one chat at a time across instances."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Update
from telegram.ext import CommandHandler

from bot.app import build_application
from bot.config import load_settings
from bot.core import handlers as core
from bot.db import dialogs, migrate
from bot.db.engine import create_engine
from bot.harness import BotHarness
from bot.ops import updates
from bot.ops.updates import CHAT_LOCK_SPACE, UpdateGuard, chat_lock_key
from bot.runtime import BotContext, EsignApplication, Feature


@pytest.fixture
async def pg_engines(postgres_url: str) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    """Two instances' engines on one PostgreSQL database."""
    first, second = create_engine(postgres_url), create_engine(postgres_url)
    await migrate.upgrade(first)
    yield first, second
    await first.dispose()
    await second.dispose()


@pytest.fixture
async def pg_guards(
    pg_engines: tuple[AsyncEngine, AsyncEngine],
) -> AsyncIterator[tuple[UpdateGuard, UpdateGuard]]:
    """Two instances' update guards, one on each engine."""
    a, b = UpdateGuard(pg_engines[0]), UpdateGuard(pg_engines[1])
    yield a, b
    await a.close()
    await b.close()


async def _claim(guard: UpdateGuard, update_id: int, chat: int | None, hold: float = 0.0) -> bool:
    async with guard.hold(update_id, chat) as claim:
        await asyncio.sleep(hold)
        return claim is not None


async def test_the_same_update_at_two_instances_is_handled_by_one(
    pg_guards: tuple[UpdateGuard, UpdateGuard],
) -> None:
    a, b = pg_guards
    with_chat = await asyncio.gather(_claim(a, 1, 42, 0.2), _claim(b, 1, 42, 0.2))
    without_chat = await asyncio.gather(_claim(a, 2, None, 0.2), _claim(b, 2, None, 0.2))
    assert sorted(with_chat) == [False, True]
    assert sorted(without_chat) == [False, True]
    assert await _claim(b, 1, 42) is False  # and later still


async def _second_waits_for_first(
    a: UpdateGuard,
    b: UpdateGuard,
    first_id: int,
    chat: int,
    meanwhile: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Instance `a` handles an update of `chat`; `b`'s next update of that chat waits until
    `a` is done (`meanwhile` runs while it waits), then is handled."""
    inside = asyncio.Event()
    release = asyncio.Event()

    async def first() -> None:
        async with a.hold(first_id, chat):
            inside.set()
            await release.wait()

    holder = asyncio.create_task(first())
    await inside.wait()
    same_chat = asyncio.create_task(_claim(b, first_id + 1, chat))
    if meanwhile is not None:
        await meanwhile()
    await asyncio.sleep(0.3)
    assert not same_chat.done()  # waits for the first instance to finish that chat
    release.set()
    await holder
    assert await asyncio.wait_for(same_chat, 5) is True


async def test_one_chat_waits_for_the_other_instance_other_chats_do_not(
    pg_guards: tuple[UpdateGuard, UpdateGuard],
) -> None:
    a, b = pg_guards

    async def other_chat_goes() -> None:
        assert await asyncio.wait_for(_claim(b, 12, 43), 5) is True

    await _second_waits_for_first(a, b, 10, 42, other_chat_goes)


async def test_after_counters_in_autocommit_the_guards_connections_hold_the_chat_again(
    pg_guards: tuple[UpdateGuard, UpdateGuard],
) -> None:
    a, b = pg_guards
    # Every guard connection finishes an update with its counters (in autocommit)...
    for update_id in range(100, 100 + 2 * updates.PG_GUARD_CONNECTIONS):
        async with a.hold(update_id, 42) as claim:
            assert claim is not None
            await claim.finish([(text("SELECT 1"), {})])
    # ...and is back in a transaction for the next: the chat lock lasts the update.
    await _second_waits_for_first(a, b, 200, 42)


async def test_an_instance_that_dies_mid_update_leaves_it_to_the_redelivery(
    pg_guards: tuple[UpdateGuard, UpdateGuard],
    pg_engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    a, b = pg_guards
    inside = asyncio.Event()

    async def dying() -> None:
        async with a.hold(20, 42):
            inside.set()
            await asyncio.sleep(30)

    victim = asyncio.create_task(dying())
    await inside.wait()
    redelivery = asyncio.create_task(_claim(b, 20, 42))
    await asyncio.sleep(0.2)
    assert not redelivery.done()
    # Kill the guard's connection, as the death of its process would.
    key = chat_lock_key(42) & 0xFFFFFFFF  # pg_locks shows the key as an unsigned oid
    async with pg_engines[1].connect() as conn:
        killed = await conn.scalar(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"
                " AND classid = :space AND objid = :key AND objsubid = 2 AND granted"
            ),
            {"space": CHAT_LOCK_SPACE, "key": key},
        )
    assert killed
    assert await asyncio.wait_for(redelivery, 5) is True  # handled after all
    with contextlib.suppress(Exception):
        victim.cancel()
        await victim


async def test_on_sqlite_a_repeat_is_dropped_and_a_failure_is_not_remembered(
    sqlite_url: str,
) -> None:
    engine = create_engine(sqlite_url)
    guard = UpdateGuard(engine)
    try:
        assert await _claim(guard, 1, 42) is True
        assert await _claim(guard, 1, 42) is False
        assert sorted(await asyncio.gather(_claim(guard, 2, 42, 0.1), _claim(guard, 2, 42))) == [
            False,
            True,
        ]
        with pytest.raises(RuntimeError):
            async with guard.hold(3, 42):
                raise RuntimeError("handler crashed")
        assert await _claim(guard, 3, 42) is True  # the redelivery is handled
        assert await guard.purge() == 0
    finally:
        await guard.close()
        await engine.dispose()


async def test_purge_forgets_update_ids_after_a_day(
    pg_engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    guard = UpdateGuard(pg_engines[0])
    try:
        await _claim(guard, 1, None)
        await _claim(guard, 2, None)
        async with pg_engines[0].begin() as conn:
            await conn.execute(
                text(
                    "UPDATE processed_updates SET seen_at = now() - interval '25 hours'"
                    " WHERE update_id = 1"
                )
            )
        assert await guard.purge() == 1
        assert await _claim(guard, 1, None) is True
        assert await _claim(guard, 2, None) is False
    finally:
        await guard.close()


# ---- dialog state, two instances, one chat ---------------------------------------------------


async def bump(update: Update, context: BotContext) -> None:
    """Read the chat's dialog state, think, write it back: the shape of every feature's step."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None
    assert user is not None
    pending = await dialogs.get_step(context.session, chat.id, user.id)
    seen = int(pending.data["n"]) if pending is not None else 0
    await asyncio.sleep(0.02)
    await dialogs.set_step(
        context.session, chat.id, user.id, "count", ttl=timedelta(hours=1), data={"n": seen + 1}
    )


COUNTER = (core.feature, Feature(name="counter", handlers=[CommandHandler("bump", bump)]))


def _bump(update_id: int) -> dict[str, Any]:
    person = {"id": 5001, "is_bot": False, "first_name": "A"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": 5001, "type": "private", "first_name": "A"},
            "from": person,
            "text": "/bump",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }


async def _two_instances_bump(postgres_url: str, tmp_path: Path, times: int) -> int:
    settings = load_settings(
        database_url=postgres_url,
        bot_data_dir=tmp_path,
        pii_secret="test-pii-secret-0123456789",
        flood_limit_per_minute=0,
    )
    async with BotHarness(settings, features=COUNTER) as harness:
        first = harness.application
        second = build_application(harness.settings, features=COUNTER)
        await second.initialize()
        try:

            async def handle(app: EsignApplication, update_id: int) -> None:
                update = Update.de_json(_bump(update_id), app.bot)
                await app.update_processor.process_update(update, app.process_update(update))

            await asyncio.gather(
                *(handle(first if i % 2 else second, 1000 + i) for i in range(times))
            )
        finally:
            await second.shutdown()
        async with first.deps.sessionmaker() as session:
            pending = await dialogs.get_step(session, 5001, 5001)
    assert pending is not None
    return int(pending.data["n"])


async def test_one_chat_at_two_instances_keeps_its_dialog_state(
    postgres_url: str, tmp_path: Path
) -> None:
    assert await _two_instances_bump(postgres_url, tmp_path, 12) == 12


async def test_without_the_chat_lock_two_instances_lose_updates(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control: the same run with the guard switched off loses state, so the test above
    would notice if the lock stopped working."""

    @contextlib.asynccontextmanager
    async def no_guard(
        self: UpdateGuard, update_id: int, chat: int | None
    ) -> AsyncIterator[updates.Claim]:
        yield updates.Claim(update_id)

    monkeypatch.setattr(updates.UpdateGuard, "hold", no_guard)
    assert await _two_instances_bump(postgres_url, tmp_path, 12) < 12
