"""The guard's lines in /stats (Feature.ops.stats): how many containers and credential
messages it caught."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy.ext.asyncio import AsyncSession

from bot.groups import service
from bot.runtime import Translate


async def guard_lines(session: AsyncSession, t: Translate) -> list[str]:
    return [t("groups.stats.guard", **asdict(await service.guard_stats(session)))]
