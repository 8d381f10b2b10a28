"""Per-user flood control: a one-minute window, counted where every instance sees it.

With several instances (PostgreSQL) the state is in the database so that it holds whichever
instance a user's updates reach. Each hit is a single INSERT ... ON CONFLICT DO UPDATE ...
RETURNING that decides everything in SQL, so two instances counting the same user at once are
serialised by the row lock and exactly one of them sees the hit that crosses the limit (and
sends the one notice).

On SQLite there is one instance by design (as for the update guard and the send budget), so
the same windows are kept in its memory (`FloodCounts(local=True)`): the upsert was a tenth of
the CPU of an answered question and the first write of every update's transaction. A restart
forgets them, which costs nothing worse than a flooder's fresh start. A test holds the two to
the same verdicts.

A fixed window (not a sliding one) keeps it to one statement in the database; the price is
that a burst straddling a window boundary may get up to twice the limit through.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import (
    BigInteger,
    Executable,
    Integer,
    Table,
    and_,
    bindparam,
    case,
    delete,
    null,
    or_,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from bot.db.base import UtcDateTime, utcnow
from bot.ops.models import FloodState

WINDOW = timedelta(minutes=1)
# A row not touched for this long is forgotten (its window and any cool-down are long over).
IDLE = timedelta(hours=1)


class Verdict(enum.Enum):
    ALLOW = "allow"
    NOTIFY = "notify"  # this hit crossed the limit: tell the user once, then ignore them
    IGNORE = "ignore"  # over the limit and already told


@dataclass(frozen=True)
class FloodPolicy:
    limit: int  # hits allowed per window; 0 turns flood control off
    cooldown: timedelta

    @property
    def enabled(self) -> bool:
        return self.limit > 0


def _upsert(dialect: str) -> Executable:
    """The one statement of a hit, built once per dialect: the time and the limit are bound
    parameters, so nothing is built or compiled per update."""
    at = bindparam("now", type_=UtcDateTime())
    window_over = bindparam("window_over", type_=UtcDateTime())
    mute_until = bindparam("mute_until", type_=UtcDateTime())
    limit = bindparam("limit", type_=Integer())
    table = cast(Table, FloodState.__table__)
    row = table.c
    muted = row.muted_until > at
    # A new window starts when the old one is a minute old, or when a cool-down has ended.
    fresh = or_(row.window_start <= window_over, and_(row.muted_until.is_not(None), ~muted))
    hits = case((muted, row.hits + 1), (fresh, 1), else_=row.hits + 1)
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table).values(
        user_id=bindparam("user_id", type_=BigInteger()), window_start=at, hits=1, muted_until=None
    )
    return stmt.on_conflict_do_update(
        index_elements=[row.user_id],
        set_={
            "window_start": case((muted, row.window_start), (fresh, at), else_=row.window_start),
            "hits": hits,
            "muted_until": case(
                (muted, row.muted_until),
                (fresh, null()),
                (row.hits + 1 > limit, mute_until),
                else_=null(),
            ),
        },
    ).returning(row.hits)


_UPSERTS = {dialect: _upsert(dialect) for dialect in ("sqlite", "postgresql")}


def count_hit(
    session: Session, user_id: int, policy: FloodPolicy, now: datetime | None = None
) -> Verdict:
    """Count one update from the user and say what to do with it: in the caller's
    transaction, from SQLAlchemy's synchronous side (the pre-update step runs all of its
    statements in one go: bot/db/transaction.py)."""
    if not policy.enabled:
        return Verdict.ALLOW
    now = now or utcnow()
    params = {
        "user_id": user_id,
        "now": now,
        "window_over": now - WINDOW,
        "mute_until": now + policy.cooldown,
        "limit": policy.limit,
    }
    stmt = _UPSERTS[session.get_bind().dialect.name]
    return _verdict(int(session.execute(stmt, params).scalar_one()), policy)


def _verdict(count: int, policy: FloodPolicy) -> Verdict:
    if count <= policy.limit:
        return Verdict.ALLOW
    # Only the hit that set the cool-down counts exactly limit + 1.
    return Verdict.NOTIFY if count == policy.limit + 1 else Verdict.IGNORE


async def purge(session: AsyncSession, now: datetime | None = None) -> int:
    """Forget users idle for an hour whose cool-down (if any) is over."""
    now = now or utcnow()
    async with session.begin():
        result = await session.execute(
            delete(FloodState).where(
                FloodState.window_start < now - IDLE,
                or_(FloodState.muted_until.is_(None), FloodState.muted_until < now),
            )
        )
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(slots=True)
class _Window:
    start: datetime
    hits: int
    muted_until: datetime | None


class FloodCounts:
    """Where this bot counts hits: the database's rows, or (`local`, one instance) a dict with
    the same rules as `_upsert`'s SQL, decided the same way."""

    def __init__(self, *, local: bool) -> None:
        self.local = local
        self._windows: dict[int, _Window] = {}

    def hit(
        self, session: Session, user_id: int, policy: FloodPolicy, now: datetime | None = None
    ) -> Verdict:
        """`count_hit`, kept in memory when local (`session` is then not used)."""
        if not self.local:
            return count_hit(session, user_id, policy, now)
        if not policy.enabled:
            return Verdict.ALLOW
        now = now or utcnow()
        window = self._windows.get(user_id)
        if window is None:
            window = self._windows[user_id] = _Window(now, 0, None)
        muted = window.muted_until is not None and window.muted_until > now
        if muted:
            window.hits += 1
        elif window.start <= now - WINDOW or window.muted_until is not None:
            window.start, window.hits, window.muted_until = now, 1, None
        else:
            window.hits += 1
            if window.hits > policy.limit:
                window.muted_until = now + policy.cooldown
        return _verdict(window.hits, policy)

    async def purge(self, session: AsyncSession, now: datetime | None = None) -> int:
        """`purge`: the idle windows in memory as well (and the rows of a time before them)."""
        now = now or utcnow()
        forgotten = 0
        if self.local:
            idle = [
                user_id
                for user_id, window in self._windows.items()
                if window.start < now - IDLE
                and (window.muted_until is None or window.muted_until < now)
            ]
            for user_id in idle:
                del self._windows[user_id]
            forgotten = len(idle)
        return forgotten + await purge(session, now)
