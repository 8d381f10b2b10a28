"""Two presses of confirm, two operators deciding: one outcome each (PostgreSQL and SQLite)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import migrate
from bot.db.engine import create_engine, create_sessionmaker
from bot.revocations import service
from bot.revocations.models import AuditEntry, RevocationRequest
from bot.signatures.models import Certificate
from bot.signatures.phones import phone_hash
from bot.signatures.registry import import_registry, link_phone, verified_since

SECRET = b"test-pii-secret-0123456789"
HEADER = "serial_number,iin,full_name,phone,key_type,valid_from,valid_to,status,org_bin,org_name\n"
ROW = "AA01,850315400005,АХМЕТОВА АЙГЕРИМ,+77011112233,sign,2026-01-10,2027-01-10,valid,,\n"
USER = 100_001


@pytest.fixture
async def maker(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    maker = create_sessionmaker(engine)
    await import_registry(maker, [HEADER, ROW], secret=SECRET)
    async with maker() as session:
        await link_phone(session, USER, phone_hash("+77011112233", SECRET))
    yield maker
    await engine.dispose()


async def _certificate_id(maker: async_sessionmaker[AsyncSession]) -> int:
    async with maker() as session:
        found = await session.scalar(select(Certificate.id))
    assert found is not None
    return found


async def test_double_confirm_files_one_request(maker: async_sessionmaker[AsyncSession]) -> None:
    certificate_id = await _certificate_id(maker)

    async def press() -> service.Filed:
        async with maker() as session:
            return await service.file_citizen_request(
                session, USER, certificate_id, "lost", since=verified_since(180)
            )

    results = await asyncio.gather(*(press() for _ in range(5)))
    assert sum(r.created for r in results) == 1
    assert len({r.request.id for r in results}) == 1
    async with maker() as session:
        assert len((await session.scalars(select(RevocationRequest))).all()) == 1
        filed = [
            e for e in await session.scalars(select(AuditEntry)) if e.action == "request_filed"
        ]
    assert len(filed) == 1


async def test_double_decision_one_wins(maker: async_sessionmaker[AsyncSession]) -> None:
    certificate_id = await _certificate_id(maker)
    async with maker() as session:
        filed = await service.file_citizen_request(
            session, USER, certificate_id, "lost", since=verified_since(180)
        )

    async def decide(operator: int, approve: bool) -> service.Decision:
        async with maker() as session:
            return await service.decide(
                session,
                filed.request.id,
                actor=f"telegram:{operator}",
                operator_id=operator,
                approve=approve,
                reason=None if approve else "no",
            )

    results = await asyncio.gather(decide(1, True), decide(2, False), decide(3, True))
    winners = [r for r in results if r.decided_now]
    assert len(winners) == 1
    final = winners[0].request.status
    assert all(r.request.status == final for r in results)
    async with maker() as session:
        certificate = await session.get(Certificate, certificate_id)
        decided = [
            e for e in await session.scalars(select(AuditEntry)) if e.action != "request_filed"
        ]
    assert certificate is not None
    assert certificate.status == ("revoked" if final == "approved" else "valid")
    assert len(decided) == 1
