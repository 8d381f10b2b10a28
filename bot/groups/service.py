"""The guard's state in the database: the per-group switch, catches, and warning rate limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import case, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.base import utcnow
from bot.db.upsert import insert_for
from bot.groups.models import GroupGuard, GuardCatch, WarningCooldown
from bot.i18n import Lang, as_lang

# One warning naming the same person per group in this time: a colleague posting three files in
# a row needs one explanation, not three, and the chat must not be flooded with the bot.
SENDER_COOLDOWN = timedelta(minutes=5)
# Telegram allows 20 messages a minute in a group. Warnings take at most half of that, so a
# burst of catches never starves the bot's other replies there or meets a 429.
WARNINGS_PER_GROUP_PER_MINUTE = 10
_MINUTE = timedelta(minutes=1)


class CatchKind(StrEnum):
    CONTAINER = "container"
    CREDENTIALS = "credentials"


@dataclass(frozen=True)
class GroupSettings:
    enabled: bool = True
    language: Lang | None = None


@dataclass(frozen=True)
class GuardStats:
    containers: int = 0
    containers_deleted: int = 0
    credentials: int = 0
    credentials_deleted: int = 0
    warnings: int = 0
    groups_off: int = 0


async def settings_of(session: AsyncSession, chat_id: int) -> GroupSettings:
    async with session.begin():
        row = (
            await session.execute(
                select(GroupGuard.enabled, GroupGuard.language).where(GroupGuard.chat_id == chat_id)
            )
        ).first()
    if row is None:
        return GroupSettings()
    return GroupSettings(enabled=row.enabled, language=as_lang(row.language))


async def remember_group(session: AsyncSession, chat_id: int, language: Lang) -> None:
    """The bot was added: whoever added it speaks the group's language, as far as we can tell.

    Adding the bot (again) switches the guard on, as its introduction says; an earlier
    /guard off belonged to its previous stay.
    """
    now = utcnow()
    values = {"enabled": True, "language": language, "changed_by": None, "updated_at": now}
    stmt = insert_for(session, GroupGuard).values(chat_id=chat_id, **values)
    stmt = stmt.on_conflict_do_update(index_elements=[GroupGuard.chat_id], set_=values)
    async with session.begin():
        await session.execute(stmt)


async def set_enabled(session: AsyncSession, chat_id: int, enabled: bool, by_user: int) -> None:
    now = utcnow()
    values = {"enabled": enabled, "changed_by": by_user, "updated_at": now}
    stmt = insert_for(session, GroupGuard).values(chat_id=chat_id, **values)
    stmt = stmt.on_conflict_do_update(index_elements=[GroupGuard.chat_id], set_=values)
    async with session.begin():
        await session.execute(stmt)


async def record_catch(
    session: AsyncSession,
    *,
    chat_id: int,
    sender_id: int,
    kind: CatchKind,
    deleted: bool,
    now: datetime | None = None,
) -> bool:
    """Count a caught message; True when a warning may be posted about it now.

    The sender's cooldown is claimed with an insert that does nothing on conflict, so two
    instances handling the same group at once still post one warning.
    """
    now = now or utcnow()
    async with session.begin():
        await session.execute(
            delete(WarningCooldown).where(
                WarningCooldown.chat_id == chat_id,
                WarningCooldown.warned_at <= now - SENDER_COOLDOWN,
            )
        )
        recent = await session.scalar(
            select(func.count())
            .select_from(GuardCatch)
            .where(
                GuardCatch.chat_id == chat_id,
                GuardCatch.warned.is_(True),
                GuardCatch.caught_at > now - _MINUTE,
            )
        )
        warn = False
        if (recent or 0) < WARNINGS_PER_GROUP_PER_MINUTE:
            claim = (
                insert_for(session, WarningCooldown)
                .values(chat_id=chat_id, sender_id=sender_id, warned_at=now)
                .on_conflict_do_nothing(
                    index_elements=[WarningCooldown.chat_id, WarningCooldown.sender_id]
                )
                .returning(WarningCooldown.sender_id)
            )
            warn = (await session.execute(claim)).first() is not None
        session.add(
            GuardCatch(chat_id=chat_id, kind=kind, deleted=deleted, warned=warn, caught_at=now)
        )
    return warn


async def guard_stats(session: AsyncSession) -> GuardStats:
    deleted = func.sum(case((GuardCatch.deleted.is_(True), 1), else_=0))
    warned = func.sum(case((GuardCatch.warned.is_(True), 1), else_=0))
    async with session.begin():
        rows = (
            await session.execute(
                select(GuardCatch.kind, func.count(), deleted, warned).group_by(GuardCatch.kind)
            )
        ).all()
        groups_off = await session.scalar(
            select(func.count()).select_from(GroupGuard).where(GroupGuard.enabled.is_(False))
        )
    by_kind = {kind: (int(n), int(d or 0), int(w or 0)) for kind, n, d, w in rows}
    containers = by_kind.get(CatchKind.CONTAINER, (0, 0, 0))
    credentials = by_kind.get(CatchKind.CREDENTIALS, (0, 0, 0))
    return GuardStats(
        containers=containers[0],
        containers_deleted=containers[1],
        credentials=credentials[0],
        credentials_deleted=credentials[1],
        warnings=containers[2] + credentials[2],
        groups_off=int(groups_off or 0),
    )
