"""/healthz: is this instance fit to take updates (database reachable, bot started, and each
feature's own machinery, such as the password workers, working)?"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.runtime import Deps

log = logging.getLogger(__name__)

DATABASE_TIMEOUT = 2.0


@dataclass(frozen=True)
class Health:
    database: bool
    bot: bool
    draining: bool = False
    features: Mapping[str, bool] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.database and self.bot and not self.draining and all(self.features.values())

    def to_json(self) -> dict[str, Any]:
        status = "draining" if self.draining else "ok" if self.ok else "unavailable"
        return {
            "status": status,
            "database": "ok" if self.database else "unreachable",
            "bot": "ok" if self.bot else "not started",
            **{name: "ok" if fit else "broken" for name, fit in self.features.items()},
        }


async def database_reachable(engine: AsyncEngine) -> bool:
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT), engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "not fit"; the reason goes to the log
        log.warning("health check: database unreachable: %s", type(exc).__name__)
        return False
    return True


async def feature_checks(deps: Deps) -> dict[str, bool]:
    results: dict[str, bool] = {}
    for feature in deps.features:
        for name, probe in feature.ops.health_checks.items():
            try:
                results[name] = await probe(deps)
            except Exception as exc:  # a failing check is a broken part, not a failed request
                log.warning("health check %s failed: %s", name, type(exc).__name__)
                results[name] = False
    return results


async def check(deps: Deps, *, bot_ready: bool, draining: bool) -> Health:
    return Health(
        database=await database_reachable(deps.engine),
        bot=bot_ready,
        draining=draining,
        features=await feature_checks(deps),
    )
