"""The charts as one Telegram album with the key figures as its caption."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InputMediaPhoto

from bot.i18n import Lang
from bot.insights.figures import collect
from bot.insights.report import caption, chart_text, render
from bot.runtime import Deps


def topic_titles(deps: Deps, lang: Lang) -> dict[str, str]:
    from bot.guidance.api import Guidance

    guidance = deps.services.get(Guidance)
    if not isinstance(guidance, Guidance):
        return {}
    return {topic_id: topic.text(lang).title for topic_id, topic in guidance.topics.items()}


async def build(
    deps: Deps, session: AsyncSession, now: datetime, lang: Lang, *, digest: bool = False
) -> list[InputMediaPhoto]:
    figures = await collect(session, now)
    charts = await render(figures, chart_text(deps.texts, lang, topic_titles(deps, lang)))
    text = caption(figures, deps.texts, lang, digest=digest)
    return [
        InputMediaPhoto(chart.png, caption=text if i == 0 else None, filename=f"{chart.name}.png")
        for i, chart in enumerate(charts)
    ]
