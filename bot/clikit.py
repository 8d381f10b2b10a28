"""What every `esign-bot` subcommand shares: one-line errors, settings, JSON, the database.

Low on purpose: a feature's `cli.py` imports this module, never `bot.cli`, which imports the
features (through `bot.app`) to find their subcommands.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import content
from bot.config import Settings, load_settings

T = TypeVar("T")

Handler = Callable[[argparse.Namespace], int]


class Subparsers(Protocol):
    """argparse's `add_subparsers()` result, as far as a feature needs it."""

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser: ...


@dataclass(frozen=True)
class CommandGroups:
    """Where a feature hangs its subcommands: the top level (`esign-bot X`) and under
    `esign-bot content` (content tools, e.g. `content unmatched`)."""

    top: Subparsers
    content: Subparsers


class CommandError(Exception):
    """Bad input or a failed precondition: printed as one line, exit status 2."""


def print_json(document: Mapping[str, Any]) -> None:
    """The one convention of every `--json`: exactly one JSON object, on one line, on stdout.

    Lists go under a named key ({"requests": [...]}), so a script reads every command the same
    way and a field can be added without breaking it.
    """
    print(json.dumps(dict(document), ensure_ascii=False))


def settings_for_cli(log_file: str | None = None) -> Settings:
    """Settings, the content directory they name put in use, and logging set up: to stderr,
    or to `log_file` in the data directory."""
    settings = load_settings()
    content.use(settings.content_dir)
    from bot.ops.logging import setup_logging

    secrets = [s.get_secret_value() for s in (settings.bot_token, settings.pii_secret) if s]
    path = settings.bot_data_dir / log_file if log_file else None
    setup_logging(settings.log_level, settings.log_format, secrets, path=path)
    return settings


def database_error(url: str, exc: BaseException) -> CommandError:
    """The one line for a database that cannot be used: which one (password hidden) and why."""
    from bot.db.urls import redact

    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return CommandError(f"DATABASE_URL: cannot use {redact(url)}: {reason}")


@dataclass(frozen=True)
class Database:
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]


@asynccontextmanager
async def database(settings: Settings, *, upgrade: bool = True) -> AsyncIterator[Database]:
    """The database for one command: reached (and migrated, unless `upgrade` is False) with a
    one-line CommandError if it cannot be, and disposed of afterwards whatever happens."""
    from bot.db import migrate
    from bot.db.engine import create_engine, create_sessionmaker

    url = settings.resolved_database_url()
    engine = create_engine(url)
    try:
        try:
            if upgrade:
                await migrate.upgrade(engine)
            else:
                async with engine.connect():
                    pass
        except (SQLAlchemyError, OSError) as exc:  # the operator needs the reason, not a trace
            raise database_error(url, exc) from None
        yield Database(engine, create_sessionmaker(engine))
    finally:
        await engine.dispose()


def in_session(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one session of the migrated database: the shape of most subcommands."""

    async def main() -> T:
        async with database(settings) as db, db.sessionmaker() as session:
            return await work(session)

    return asyncio.run(main())
