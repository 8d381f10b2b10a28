"""What a chart is made of and what it makes, apart from the drawing: importing matplotlib
takes about half a second, which every command-line call and the bot's start would pay."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

Translate = Callable[..., str]


@dataclass(frozen=True)
class ChartText:
    """Words for the charts in one language: `t` looks up insights.charts.<key>."""

    t: Translate
    topic_titles: Mapping[str, str]

    def topic(self, topic_id: str) -> str:
        return self.topic_titles.get(topic_id, topic_id)


@dataclass(frozen=True)
class Chart:
    name: str
    png: bytes
