"""What other features may use of guidance, and all they may import from it: the topics and
the matcher built at start (`Guidance`), sending a topic's answer or the topic list, and the
count of cards shared inline. Inline mode and the operators' charts are its users."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.guidance import daily
from bot.guidance.handlers import Guidance, send_topic, topic_list
from bot.guidance.matcher import Matcher
from bot.guidance.topics import Topic, load_topics

__all__ = [
    "Guidance",
    "Matcher",
    "Topic",
    "count_shared",
    "load_topics",
    "send_topic",
    "topic_list",
]


async def count_shared(session: AsyncSession, topic: str) -> None:
    """One guidance card of this topic shared inline (for the charts)."""
    await daily.count(session, daily.SHARED, topic)
