"""The audit log is a hash chain: `esign-bot audit verify` finds the first entry that does not
hold, whoever changed it (the table's owner can bypass the append-only triggers)."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import JSON, String, column, insert, select, table, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db import migrate
from bot.db.base import UtcDateTime
from bot.db.engine import create_engine, create_sessionmaker
from bot.revocations import audit, service
from bot.revocations.chain import GENESIS
from bot.revocations.models import AuditEntry
from tests.cli_runner import run_cli
from tests.revocations.conftest import World
from tests.revocations.test_citizen_and_operator import _file

BIN = "150340000003"


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    yield engine
    await engine.dispose()


async def _verify(
    maker: async_sessionmaker[AsyncSession], expect: str | None = None
) -> audit.Verification:
    async with maker() as session:
        return await audit.verify(session, expect)


async def _entries(maker: async_sessionmaker[AsyncSession]) -> list[AuditEntry]:
    async with maker() as session:
        return list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


async def _as_owner(engine: AsyncEngine, statement: str) -> None:
    """What the append-only triggers refuse, done as the table's owner would: around them."""
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
            await conn.execute(text(statement))
            await conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
        else:
            for event in ("update", "delete"):
                await conn.execute(text(f"DROP TRIGGER IF EXISTS audit_log_no_{event}"))
            await conn.execute(text(statement))


async def test_the_bot_writes_a_chain_that_verifies(world: World) -> None:
    """File, approve, appoint through the real bot: every entry links to the one before."""
    maker = world.harness.application.deps.sessionmaker
    await _file(world)
    listing = await world.operator.send("/requests")
    asked = await world.operator.press("Approve", message=listing.last)
    await world.operator.press("Yes, approve", message=asked.last)
    async with maker() as session:
        await service.appoint_admin(session, "cli", BIN, 42)
    entries = await _entries(maker)
    assert [e.action for e in entries] == [audit.FILED, audit.APPROVED, audit.ADMIN_APPOINTED]
    assert entries[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.hash
    result = await _verify(maker)
    assert (result.ok, result.entries, result.head) == (True, 3, entries[-1].hash)


async def test_a_rolled_back_entry_is_not_written(engine: AsyncEngine) -> None:
    maker = create_sessionmaker(engine)
    async with maker() as session:
        async with session.begin():
            audit.record(session, "cli", audit.ADMIN_APPOINTED, "org:1")
            await session.rollback()
        async with session.begin():
            audit.record(session, "cli", audit.ADMIN_REMOVED, "org:2")
    assert [e.subject for e in await _entries(maker)] == ["org:2"]
    assert (await _verify(maker)).ok


async def test_concurrent_writers_keep_one_chain(engine: AsyncEngine) -> None:
    """Twenty appointments at once (one session each): no two chain to the same entry."""
    maker = create_sessionmaker(engine)

    async def appoint(user_id: int) -> None:
        async with maker() as session:
            await service.appoint_admin(session, "cli", BIN, user_id)

    await asyncio.gather(*(appoint(user_id) for user_id in range(1, 21)))
    entries = await _entries(maker)
    assert len(entries) == 20
    assert len({e.prev_hash for e in entries}) == 20
    result = await _verify(maker)
    assert (result.ok, result.entries) == (True, 20)


async def _three_entries(engine: AsyncEngine) -> list[AuditEntry]:
    maker = create_sessionmaker(engine)
    for user_id in (1, 2, 3):
        async with maker() as session:
            await service.appoint_admin(session, "cli", BIN, user_id)
    return await _entries(maker)


@pytest.mark.parametrize(
    ("tampering", "broken", "reason"),
    [
        (
            "UPDATE audit_log SET actor = 'telegram:666' WHERE id = {second}",
            "second",
            "its contents do not match its hash",
        ),
        (
            "DELETE FROM audit_log WHERE id = {second}",
            "third",
            "it does not follow the entry before it "
            "(an entry was removed, inserted or rewritten there)",
        ),
        (
            "DELETE FROM audit_log WHERE id = {first}",
            "second",
            "the log does not start with its first entry (earlier entries were removed)",
        ),
    ],
)
async def test_tampering_is_found_at_the_first_broken_link(
    engine: AsyncEngine, tampering: str, broken: str, reason: str
) -> None:
    first, second, third = (e.id for e in await _three_entries(engine))
    ids = {"first": first, "second": second, "third": third}
    await _as_owner(engine, tampering.format(**ids))
    result = await _verify(create_sessionmaker(engine))
    assert not result.ok
    assert (result.broken_at, result.reason) == (ids[broken], reason)


async def test_an_entry_written_around_the_chain_is_found(engine: AsyncEngine) -> None:
    await _three_entries(engine)
    async with engine.begin() as conn:  # an INSERT the triggers allow, without a hash
        await conn.execute(
            text(
                "INSERT INTO audit_log (at, actor, action, subject, details) "
                "VALUES (CURRENT_TIMESTAMP, 'x', 'request_approved', 'REV-1', '{}')"
            )
        )
    result = await _verify(create_sessionmaker(engine))
    assert (result.ok, result.entries) == (False, 4)


async def test_entries_removed_at_the_end_are_found_against_a_noted_hash(
    engine: AsyncEngine,
) -> None:
    """The chain alone cannot show its newest entries gone; a hash noted earlier can."""
    maker = create_sessionmaker(engine)
    first, second, third = await _three_entries(engine)
    assert (await _verify(maker, expect=third.hash)).ok
    assert (await _verify(maker, expect=second.hash)).ok  # an older note holds too
    await _as_owner(engine, f"DELETE FROM audit_log WHERE id = {third.id}")
    assert (await _verify(maker)).ok  # what is left is a chain that holds
    truncated = await _verify(maker, expect=third.hash)
    assert not truncated.ok
    assert (truncated.entries, truncated.head, truncated.broken_at) == (2, second.hash, None)
    assert truncated.reason == (
        f"the entry with hash {third.hash}, noted earlier, is not in the log: "
        "entries at its end were removed (or the whole log emptied)"
    )
    await _as_owner(engine, "DELETE FROM audit_log")
    assert not (await _verify(maker, expect=first.hash)).ok
    assert (await _verify(maker, expect=GENESIS)).ok  # noted when the log was empty


def test_audit_verify_from_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'esign-bot.sqlite3'}"
    empty = run_cli("audit", "verify", cwd=tmp_path)
    assert (empty.returncode, empty.stdout) == (
        0,
        f"audit log OK: 0 entries, newest hash {GENESIS}\n",
    )

    async def tamper() -> str:
        engine = create_engine(url)
        try:
            entries = await _three_entries(engine)
            await _as_owner(engine, f"DELETE FROM audit_log WHERE id = {entries[1].id}")
            return entries[2].hash
        finally:
            await engine.dispose()

    ok = run_cli("audit", "verify", "--json", cwd=tmp_path)
    assert json.loads(ok.stdout)["ok"] is True
    asyncio.run(tamper())
    broken = run_cli("audit", "verify", cwd=tmp_path)
    assert broken.returncode == 1
    assert broken.stdout == (
        "audit log broken at entry 3: it does not follow the entry before it "
        "(an entry was removed, inserted or rewritten there)\n"
    )
    report = json.loads(run_cli("audit", "verify", "--json", cwd=tmp_path).stdout)
    assert (report["ok"], report["broken_at"], report["entries_checked"]) == (False, 3, 2)
    malformed = run_cli("audit", "verify", "--expect", "not-a-hash", cwd=tmp_path)
    assert (malformed.returncode, malformed.stdout) == (2, "")
    assert malformed.stderr == (
        "esign-bot: error: --expect: not a hash of this log (64 hexadecimal digits)\n"
    )
    # The listing still works as before.
    assert run_cli("audit", "--json", cwd=tmp_path).returncode == 0


async def test_entries_from_before_the_chain_are_chained_by_the_migration(
    empty_database_url: str,
) -> None:
    engine = create_engine(empty_database_url)
    try:
        async with engine.connect() as conn:
            await conn.run_sync(lambda sync: command.upgrade(migrate._config(sync), "r0001"))
            old_log = table(
                "audit_log",
                column("at", UtcDateTime()),
                column("actor", String()),
                column("action", String()),
                column("subject", String()),
                column("details", JSON()),
            )
            at = datetime(2026, 11, 30, 10, 0, 0, 123456, tzinfo=UTC)
            for subject in ("org:1", "org:2"):
                await conn.execute(
                    insert(old_log).values(
                        at=at,
                        actor="cli",
                        action="admin_appointed",
                        subject=subject,
                        details={"user_id": 7, "name": "Әлия"},
                    )
                )
            await conn.commit()
        await migrate.upgrade(engine)
        maker = create_sessionmaker(engine)
        async with maker() as session:
            await service.appoint_admin(session, "cli", BIN, 3)
        result = await _verify(maker)
        assert (result.ok, result.entries) == (True, 3)
    finally:
        await engine.dispose()
