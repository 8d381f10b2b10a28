"""What an update costs the database: statements and transactions per answered question, the
bookkeeping written with the update's record, the step read once, repeats looked up only when
they can be repeats."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import load_settings
from bot.db import dialogs, migrate, users
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.scope import UpdateScope, enter_scope, leave_scope
from bot.guidance.models import DailyCount
from bot.harness import BotHarness
from bot.ops.updates import UpdateGuard

QUESTION = "Можно ли передать ЭЦП бухгалтеру?"


@contextmanager
def counting() -> Iterator[dict[str, list[str]]]:
    """Every statement and commit of every engine in this process, while inside."""
    seen: dict[str, list[str]] = {"statements": [], "commits": []}

    def statement(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        seen["statements"].append(" ".join(sql.split())[:60])

    def commit(_conn: Any) -> None:
        seen["commits"].append("commit")

    event.listen(Engine, "before_cursor_execute", statement)
    event.listen(Engine, "commit", commit)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", statement)
        event.remove(Engine, "commit", commit)


async def _answered(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        total = await conn.scalar(
            select(func.coalesce(func.sum(DailyCount.count), 0)).where(
                DailyCount.kind == "answered"
            )
        )
    return int(total or 0)


async def test_an_answered_question_is_two_transactions_and_three_statements(
    harness: BotHarness,
) -> None:
    user = harness.user(language_code="ru")
    await user.send(QUESTION)  # known from now on, as nearly everyone the bot answers
    with counting() as seen:
        reply = await user.send(QUESTION)
    assert reply.messages
    # The pre-update transaction (user, chat and step in one read; SQLite's one instance
    # counts floods in memory) and the one that records the update with the day's counter.
    # No BEGIN of its own: it travels with the first statement (bot/db/sqlite_driver.py).
    assert len(seen["commits"]) == 2, seen
    assert len(seen["statements"]) == 3, seen
    assert not [s for s in seen["statements"] if "flood_states" in s]
    assert await _answered(harness.application.deps.engine) == 2


async def test_on_postgresql_an_answered_question_is_four_statements_and_no_savepoint(
    postgres_url: str, tmp_path: Path
) -> None:
    settings = load_settings(
        database_url=postgres_url, bot_data_dir=tmp_path, pii_secret="test-pii-secret-0123456789"
    )
    async with BotHarness(settings) as harness:
        user = harness.user(language_code="ru")
        await user.send(QUESTION)
        with counting() as seen:
            reply = await user.send(QUESTION)
        assert reply.messages
        assert await _answered(harness.application.deps.engine) == 2
    # The update's own statements (the leader's jobs and the send budget's lease may run
    # meanwhile): the claim with the chat lock, the flood count, the read of user, chat and
    # step, and the day's counter after the claim's commit, with no savepoint around it.
    marks = ("chat_lock", "flood_states", "known_user", "guidance_daily_counts")
    own = [s for s in seen["statements"] if any(m in s for m in marks)]
    assert len(own) == 4, own
    assert "guidance_daily_counts" in own[-1]
    assert not [s for s in seen["statements"] if "SAVEPOINT" in s]


async def test_the_days_counter_is_written_with_the_record_on_both_databases(
    any_db_harness: BotHarness,
) -> None:
    user = any_db_harness.user(language_code="kk")
    for _ in range(3):
        assert (await user.send(QUESTION)).messages
    # The harness returns once the update is handled, the record and the counter included.
    assert await _answered(any_db_harness.application.deps.engine) == 3


@pytest.fixture
async def guarded(database_url: str) -> Any:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    guard = UpdateGuard(engine)
    yield engine, guard
    await guard.close()
    await engine.dispose()


async def test_a_broken_counter_does_not_get_the_update_handled_twice(
    guarded: tuple[AsyncEngine, UpdateGuard], caplog: pytest.LogCaptureFixture
) -> None:
    _, guard = guarded
    async with guard.hold(7, 42) as claim:
        assert claim is not None
        await claim.finish([(text("INSERT INTO no_such_table (n) VALUES (1)"), {})])
    assert "its bookkeeping was not written" in caplog.text
    async with guard.hold(7, 42) as again:
        assert again is None  # recorded all the same: a redelivery is dropped


async def test_on_sqlite_only_an_update_id_at_or_below_the_highest_is_looked_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}")
    await migrate.upgrade(engine)
    guard = UpdateGuard(engine)
    lookups: list[str] = []
    original = guard._read

    async def read(query: Any) -> Any:
        lookups.append(str(query).split()[1])
        return await original(query)

    monkeypatch.setattr(guard, "_read", read)
    try:

        async def claim(update_id: int) -> bool:
            async with guard.hold(update_id, 42) as held:
                return held is not None

        assert await claim(10) is True  # reads the highest recorded id once, at the start
        assert await claim(11) is True
        assert await claim(12) is True
        assert len(lookups) == 1
        assert await claim(11) is False  # a redelivery: looked up, found, dropped
        assert await claim(5) is True  # a lower id never handled (a stray): looked up
        assert await claim(5) is False
        assert len(lookups) == 4
    finally:
        await guard.close()
        await engine.dispose()
    # A restarted instance reads the highest id again and still drops the old ones.
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}")
    guard = UpdateGuard(engine)
    try:
        async with guard.hold(12, 42) as held:
            assert held is None
        async with guard.hold(13, 42) as held:
            assert held is not None
    finally:
        await guard.close()
        await engine.dispose()


async def test_the_step_is_read_once_per_update_and_kept_true_by_its_changes(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    sessionmaker = create_sessionmaker(engine)
    try:
        async with sessionmaker() as session:
            await dialogs.set_step(session, 5, 5, "password", ttl=dialogs.EXPIRED_GRACE)
        scope = UpdateScope(sessionmaker)
        token = enter_scope(scope)
        try:
            session = scope.session
            async with session.begin():  # the pre-update step's read
                seen = await session.run_sync(
                    lambda sync: users.record_seen(
                        sync, user_id=5, chat_id=5, chat_type="private", with_step=True
                    )
                )
            seen.remember(session)
            with counting() as seen:
                pending = await dialogs.get_step(session, 5, 5)
                assert pending is not None
                assert pending.step == "password"
                assert await dialogs.get_step(session, 5, 5) == pending
            assert seen["statements"] == []  # answered from the update's scope
            await dialogs.set_step(session, 5, 5, "status", ttl=dialogs.EXPIRED_GRACE)
            with counting() as seen:
                changed = await dialogs.get_step(session, 5, 5)
            assert changed is not None
            assert changed.step == "status"
            assert seen["statements"] == []
            assert await dialogs.clear_step(session, 5, 5) is True
            assert await dialogs.get_step(session, 5, 5) is None
        finally:
            await scope.close()
            leave_scope(token)
        # The next update reads the database again.
        async with sessionmaker() as session:
            assert await dialogs.get_step(session, 5, 5) is None
    finally:
        await engine.dispose()
