"""One AsyncSession per update, opened on first use and closed when the update is done.

The scope also carries what makes an update cheap in database round trips:
- `steps`: the dialog state of the update's chat, read once (with the pre-update writes) and
  kept up to date by this update's own changes. Only for the length of one update, whose chat
  is locked across instances (bot/ops/updates.py): nothing is cached between updates.
- `deferred`: bookkeeping writes (daily counters, unmatched questions) that need not be in the
  database before the reply goes out. They are written when the update is done, in the
  transaction that records the update as handled, instead of one transaction each.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from typing import Any, Protocol

from sqlalchemy import Connection, Executable
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.transaction import transaction

# A statement and its parameters.
Write = tuple[Executable, Mapping[str, Any]]


def write_all(conn: Connection, writes: Sequence[Write]) -> None:
    """Execute deferred writes on `conn`, from SQLAlchemy's synchronous side."""
    for statement, params in writes:
        conn.execute(statement, params)


_current: ContextVar[UpdateScope | None] = ContextVar("update_scope", default=None)
_claim: ContextVar[UpdateClaim | None] = ContextVar("update_claim", default=None)


class UpdateClaim(Protocol):
    """The update guard's hold on the update being handled (bot/ops/updates.py)."""

    update_id: int

    async def finish(self, writes: Sequence[Write]) -> None:
        """Record the update as handled, making `writes` in the same transaction."""


class UpdateScope:
    """What one update carries from handler to handler: its session, its language, which
    feature's screen took it (with that screen's note), if one did, and the two above."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker
        self._session: AsyncSession | None = None
        self.lang: str | None = None
        self.screened: tuple[str, object] | None = None
        # (chat_id, user_id) → the pending step as read this update (None: there is none).
        self.steps: dict[tuple[int, int], Any] = {}
        self.deferred: list[Write] = []

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            self._session = self._sessionmaker()
        return self._session

    def owns(self, session: AsyncSession) -> bool:
        return self._session is session

    async def close(self) -> None:
        # Closing rolls back whatever a failed handler left uncommitted.
        if self._session is not None:
            await self._session.close()
            self._session = None


def current_scope() -> UpdateScope:
    scope = _current.get()
    if scope is None:
        raise RuntimeError("no update is being processed in this task")
    return scope


def scope_of(session: AsyncSession) -> UpdateScope | None:
    """The update scope whose session this is, if any (services are also called from jobs and
    the command line, with sessions of their own)."""
    scope = _current.get()
    return scope if scope is not None and scope.owns(session) else None


def enter_scope(scope: UpdateScope) -> object:
    return _current.set(scope)


def leave_scope(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]


def current_claim() -> UpdateClaim | None:
    return _claim.get()


def enter_claim(claim: UpdateClaim) -> object:
    return _claim.set(claim)


def leave_claim(token: object) -> None:
    _claim.reset(token)  # type: ignore[arg-type]


async def write_after_update(
    session: AsyncSession, statement: Executable, params: Mapping[str, Any] | None = None
) -> None:
    """A bookkeeping write: with the update's record when called within an update, else now.

    Only for writes nothing in the same update reads back, whose loss with a crashed update is
    right (the redelivery writes them again): counters, not state.
    """
    scope = scope_of(session)
    if scope is not None:
        scope.deferred.append((statement, params or {}))
        return
    async with transaction(session):
        await session.execute(statement, params)
