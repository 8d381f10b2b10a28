"""Database URL handling: accept the spellings people paste, run them on async drivers."""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
    "postgresql+psycopg2": "postgresql+asyncpg",
}


def normalize_database_url(raw: str) -> str:
    """Return the URL with an async driver; ValueError with a short reason otherwise."""
    try:
        url = make_url(raw.strip())
    except ArgumentError:
        raise ValueError(
            "not a database URL (expected e.g. sqlite:///data/bot.sqlite3 or "
            "postgresql://user@host/db)"
        ) from None
    driver = _ASYNC_DRIVERS.get(url.drivername)
    if driver is None:
        raise ValueError(f"unsupported database {url.drivername!r} (use sqlite or postgresql)")
    if driver.startswith("postgresql") and not url.database:
        raise ValueError("PostgreSQL URL names no database")
    return url.set(drivername=driver).render_as_string(hide_password=False)


def redact(url: str) -> str:
    """The URL fit for logs and error lines: no password."""
    return make_url(url).render_as_string(hide_password=True)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"
