"""Figures → charts and a caption in one language; rendering runs off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

from bot.i18n import Lang, Texts
from bot.insights.chart_text import Chart, ChartText
from bot.insights.figures import Figures, key_figures

# One worker: charts are drawn one at a time (matplotlib is not meant for concurrent drawing),
# and an operator's /stats never competes with the digest for more than one core.
_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="charts")


def chart_text(texts: Texts, lang: Lang, topic_titles: Mapping[str, str]) -> ChartText:
    def t(key: str, **params: object) -> str:
        return texts.get(lang, f"insights.charts.{key}", **params)

    return ChartText(t, topic_titles)


async def render(f: Figures, text: ChartText) -> list[Chart]:
    """The charts, drawn in a worker thread so the bot keeps answering meanwhile."""
    from bot.insights.charts import render_all  # matplotlib loads on the first drawing

    return await asyncio.get_running_loop().run_in_executor(_EXECUTOR, render_all, f, text)


def _share(value: float | None, texts: Texts, lang: Lang) -> str:
    return texts.get(lang, "insights.caption.none") if value is None else f"{round(100 * value)}%"


def caption(f: Figures, texts: Texts, lang: Lang, *, digest: bool = False) -> str:
    """The key figures under the album: Telegram HTML, a few short lines."""
    k = key_figures(f)

    def t(key: str, **params: object) -> str:
        return texts.get(lang, f"insights.caption.{key}", **params)

    hours = t("none") if k.median_hours is None else t("hours", hours=f"{k.median_hours:g}")
    lines = [
        t("digest_title" if digest else "title", date=f.day.strftime("%d.%m.%Y")),
        t("questions", count=k.questions, share=_share(k.unanswered_share, texts, lang)),
        t("votes", count=k.votes, share=_share(k.helpful_share, texts, lang)),
        t("shared", count=k.shared),
        t("revocations", count=k.open_requests, hours=hours),
    ]
    if k.last_total is None:
        lines.append(t("no_broadcast", subscribers=k.subscribers))
    else:
        lines.append(
            t("broadcast", sent=k.last_sent, total=k.last_total, subscribers=k.subscribers)
        )
    lines.append(t("catches", count=k.catches_this_week))
    return "\n".join(lines)
