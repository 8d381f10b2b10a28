"""Join the caller's transaction when there is one, else open (and commit) one of our own; or
run a whole short transaction in one go (or, from the synchronous side, a short one)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import TypeVar

from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.util.concurrency import greenlet_spawn

from bot.db import sqlite_driver

T = TypeVar("T")


@asynccontextmanager
async def transaction(session: AsyncSession) -> AsyncIterator[None]:
    """Lets a hot path group several small writes into one transaction (one commit, one
    SQLite write lock) while each service still commits on its own when called alone."""
    if session.in_transaction():
        yield
        return
    async with session.begin():
        yield


async def in_one_go(engine: AsyncEngine, work: Callable[[Connection], T]) -> T:
    """Run `work` in a transaction of its own (committed when it returns, rolled back when it
    raises), all of it in one switch to SQLAlchemy's synchronous side.

    The asyncio API crosses into that side once per step (check out a connection, begin, each
    statement, commit, check in): for a transaction run with every update that crossing cost
    more CPU than its statements. On SQLite the statements also run in the loop's thread
    (`sqlite_driver.on_the_loop`): `work` must be a few short statements by key."""

    def run() -> T:
        with engine.sync_engine.begin() as conn:
            sqlite_driver.on_the_loop(conn)
            return work(conn)

    return await greenlet_spawn(run)


@contextmanager
def short(session: Session) -> Iterator[None]:
    """A transaction of `session` for a few short statements by key, from SQLAlchemy's
    synchronous side (inside `run_sync`): as `in_one_go`'s, on the loop's thread on SQLite."""
    with session.begin():
        sqlite_driver.on_the_loop(session.connection())
        yield
