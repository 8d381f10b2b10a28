"""/healthz: is this instance fit to take updates (database reachable, bot started)?"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)

DATABASE_TIMEOUT = 2.0


@dataclass(frozen=True)
class Health:
    database: bool
    bot: bool
    draining: bool = False

    @property
    def ok(self) -> bool:
        return self.database and self.bot and not self.draining

    def to_json(self) -> dict[str, Any]:
        status = "draining" if self.draining else "ok" if self.ok else "unavailable"
        return {
            "status": status,
            "database": "ok" if self.database else "unreachable",
            "bot": "ok" if self.bot else "not started",
        }


async def database_reachable(engine: AsyncEngine) -> bool:
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT), engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "not fit"; the reason goes to the log
        log.warning("health check: database unreachable: %s", type(exc).__name__)
        return False
    return True


async def check(engine: AsyncEngine, *, bot_ready: bool, draining: bool) -> Health:
    return Health(database=await database_reachable(engine), bot=bot_ready, draining=draining)
