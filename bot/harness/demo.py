"""The terminal chat's demo world: its people, their phones, the work chat, the demo settings.

The people are data (content/demo/cast.toml). Their roles are given only in the demo (no
BOT_TOKEN): the operator is added to OPERATOR_IDS, new requests are announced in the
operator's chat unless OPERATOR_CHAT_ID says otherwise, and the heads are appointed.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.ops.models import ProcessedUpdate

CAST_FILE = Path("demo") / "cast.toml"


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    language: str
    role: str
    head_of: str | None = None
    operator: bool = False


@dataclass(frozen=True)
class DemoGroup:
    id: int
    title: str
    admin: int


@dataclass(frozen=True)
class Cast:
    people: tuple[Person, ...]
    first: int
    group: DemoGroup

    def person(self, user_id: int) -> Person | None:
        return next((p for p in self.people if p.id == user_id), None)

    @property
    def operators(self) -> frozenset[int]:
        return frozenset(p.id for p in self.people if p.operator)


def demo_phone(user_id: int) -> str:
    """Every demo user's own phone: +7701 and the id in seven digits (1 → +77010000001)."""
    return f"+7701{user_id % 10_000_000:07d}"


def load_cast(content_dir: Path) -> Cast:
    with (content_dir / CAST_FILE).open("rb") as handle:
        data: dict[str, Any] = tomllib.load(handle)
    people = tuple(
        Person(
            id=int(p["id"]),
            name=str(p["name"]),
            language=str(p["language"]),
            role=str(p["role"]),
            head_of=str(p["head_of"]) if p.get("head_of") else None,
            operator=bool(p.get("operator", False)),
        )
        for p in data["people"]
    )
    group = data["group"]
    return Cast(
        people=people,
        first=int(data.get("first", people[0].id)),
        group=DemoGroup(int(group["id"]), str(group["title"]), int(group["admin"])),
    )


def demo_settings(settings: Settings, cast: Cast) -> Settings:
    """The cast's roles, in the demo only: operators, the operators' chat, the demo PII key."""
    update: dict[str, Any] = {}
    if settings.pii_secret is None:
        # The embedded demo has no real personal data; it hashes phones with the demo key.
        update["pii_secret"] = SecretStr(settings.pii_key().decode())
    if settings.demo_mode:
        update["operator_ids"] = settings.operator_ids | cast.operators
        operator = next((p for p in cast.people if p.operator), None)
        if settings.operator_chat_id is None and operator is not None:
            # Announced to the demo operator, in the operator's language.
            update["operator_chat_id"] = operator.id
            update["operator_language"] = operator.language
    return settings.model_copy(update=update)


async def last_handled_update(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    """The highest update id the database remembers handling (0 when none)."""
    async with sessionmaker() as session, session.begin():
        return int(await session.scalar(select(func.max(ProcessedUpdate.update_id))) or 0)
