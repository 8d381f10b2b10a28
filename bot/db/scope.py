"""One AsyncSession per update, opened on first use and closed when the update is done."""

from __future__ import annotations

from contextvars import ContextVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

_current: ContextVar[UpdateScope | None] = ContextVar("update_scope", default=None)


class UpdateScope:
    """What one update carries from handler to handler: its session, its language, and which
    feature's screen took it (with that screen's note), if one did."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker
        self._session: AsyncSession | None = None
        self.lang: str | None = None
        self.screened: tuple[str, object] | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            self._session = self._sessionmaker()
        return self._session

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


def enter_scope(scope: UpdateScope) -> object:
    return _current.set(scope)


def leave_scope(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]
