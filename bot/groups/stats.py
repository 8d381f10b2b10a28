"""/stats for operators: one section per feature that has something to count.

A feature adds lines to /stats by providing a service with an async ``stat_lines(session, t)``
method from its ``Feature.setup`` (``deps.provide(MyStats())``); the /stats handler asks every
such service, in feature order. Nothing to register by hand and no global list: an
Application's sections are the services in its Deps. (If /stats moves to bot/core, this
protocol goes with it; the providers do not change.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict
from typing import Protocol, runtime_checkable

from sqlalchemy.ext.asyncio import AsyncSession

from bot.groups import service

Translate = Callable[..., str]  # BotContext.t: a text key and its parameters → Telegram HTML


@runtime_checkable
class StatsSection(Protocol):
    async def stat_lines(self, session: AsyncSession, t: Translate) -> list[str]: ...


def sections(services: Iterable[object]) -> list[StatsSection]:
    return [s for s in services if isinstance(s, StatsSection)]


class GuardStatsSection:
    """The guard's part: how many containers and credential messages it caught."""

    async def stat_lines(self, session: AsyncSession, t: Translate) -> list[str]:
        return [t("groups.stats.guard", **asdict(await service.guard_stats(session)))]
