"""Shared pieces of the broadcast benchmarks (not a benchmark itself).

Databases: a fresh SQLite file, or a fresh PostgreSQL database under TEST_DATABASE_URL.
Subscribers are bulk-inserted (the benchmarks measure sending, not /start round trips).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.broadcasts import campaigns
from bot.broadcasts.models import Subscriber, SubscriberStatus
from bot.db import migrate
from bot.db.base import utcnow
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.urls import normalize_database_url
from bot.harness import FakeBotApi
from bot.harness.records import FakeAccount

PG_ENV = "TEST_DATABASE_URL"
FIRST_CHAT = 5_000_001
LANGS = ("kk", "ru", "en")


@dataclass
class Database:
    kind: str  # sqlite | postgresql
    url: str
    _admin_url: str | None = None
    _name: str | None = None

    async def drop(self) -> None:
        if self._admin_url is None:
            return
        admin = create_async_engine(self._admin_url, isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{self._name}" WITH (FORCE)'))
        await admin.dispose()


def kinds() -> list[str]:
    """SQLite always; PostgreSQL too when TEST_DATABASE_URL is set."""
    return ["sqlite", "postgresql"] if os.environ.get(PG_ENV) else ["sqlite"]


async def fresh_database(kind: str) -> Database:
    if kind == "sqlite":
        path = Path(tempfile.mkdtemp(prefix="esign-bench-")) / "bot.sqlite3"
        return Database(kind, f"sqlite+aiosqlite:///{path}")
    admin_url = normalize_database_url(os.environ[PG_ENV])
    name = f"esign_bench_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    return Database(kind, url, admin_url, name)


def chat_ids(count: int) -> list[int]:
    return list(range(FIRST_CHAT, FIRST_CHAT + count))


async def seed_subscribers(url: str, chats: Sequence[int]) -> None:
    """Migrate and add active subscribers, languages in turn kk, ru, en."""
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
        now = utcnow()
        rows = [
            {
                "chat_id": chat,
                "chat_type": "private",
                "status": SubscriberStatus.ACTIVE,
                "language": LANGS[i % 3],
                "subscribed_by": chat,
                "subscribed_at": now,
                "updated_at": now,
            }
            for i, chat in enumerate(chats)
        ]
        async with engine.begin() as conn:
            for start in range(0, len(rows), 5000):
                await conn.execute(insert(Subscriber), rows[start : start + 5000])
    finally:
        await engine.dispose()


async def create_campaign(url: str, texts: dict[str, str], report_chat_id: int | None) -> int:
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            campaign_id = await campaigns.create_draft(
                session, texts, created_by=None, report_chat_id=report_chat_id, report_lang="en"
            )
            assert (await campaigns.start(session, campaign_id)).ok
        return campaign_id
    finally:
        await engine.dispose()


async def summary(url: str, campaign_id: int) -> campaigns.Summary:
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            found = await campaigns.summary(session, campaign_id, with_languages=False)
        assert found is not None
        return found
    finally:
        await engine.dispose()


def add_accounts(api: FakeBotApi, chats: Iterable[int]) -> None:
    for chat in chats:
        api.add_account(FakeAccount(id=chat, first_name="Subscriber", language_code="ru"))


def sent_times(api: FakeBotApi, chats: set[int]) -> list[float]:
    return [e.at for e in api.events if e.kind == "sent" and e.chat_id in chats]


def per_chat(api: FakeBotApi, chats: set[int]) -> dict[int, int]:
    counts = dict.fromkeys(chats, 0)
    for event in api.events:
        if event.kind == "sent" and event.chat_id in counts:
            counts[event.chat_id] += 1
    return counts


def achieved_rate(times: Sequence[float]) -> float:
    if len(times) < 2:
        return 0.0
    return (len(times) - 1) / (times[-1] - times[0])


class Stopwatch:
    def __init__(self) -> None:
        self.started = time.monotonic()

    def __str__(self) -> str:
        return f"{time.monotonic() - self.started:.1f} s"


if __name__ == "__main__":
    print("support module for bench_broadcast_*.py; nothing to run", file=sys.stderr)
