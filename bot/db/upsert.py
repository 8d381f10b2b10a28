"""INSERT ... ON CONFLICT for both backends: the one dialect-specific statement we need."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session


def insert_for(session: AsyncSession | Session, table: Any) -> Any:
    """The dialect's insert(), which has on_conflict_do_update/on_conflict_do_nothing."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
