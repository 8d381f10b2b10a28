"""End-to-end cost of answering a question, against a bare echo bot in the same run.

Run: .venv/bin/python tests/benchmarks/bench_guidance_answer.py [QUESTIONS]
Both bots are the real Application on SQLite behind the fake Bot API: same HTTP stack, rate
limiter, per-update session and pre-update step. The echo bot answers every text with the text
itself; the guidance bot matches the question and sends the topic's answer with its buttons.
Target: answering costs no more than twice the echo.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
import tomllib
from pathlib import Path

from telegram import Update
from telegram.ext import MessageHandler, filters

from bot.config import load_settings
from bot.core import fallbacks
from bot.core import handlers as core
from bot.guidance import handlers as guidance
from bot.harness import BotHarness
from bot.runtime import BotContext, Feature

USERS = 100
EVAL_SET = Path(__file__).resolve().parent.parent / "guidance" / "eval_set.toml"


async def _echo(update: Update, context: BotContext) -> None:
    if update.effective_message and update.effective_message.text:
        await update.effective_message.reply_text(update.effective_message.text[:4000])


ECHO = Feature(name="echo", handlers=[MessageHandler(filters.TEXT, _echo)])


def _questions(count: int) -> list[str]:
    """The held-out evaluation questions of all three languages (on-topic and off-topic)."""
    data = tomllib.loads(EVAL_SET.read_text(encoding="utf-8"))
    pool: list[str] = []
    for section in data.values():
        for questions in section.values() if isinstance(section, dict) else [section]:
            pool.extend(q for q in questions if isinstance(q, str))
    return [pool[i % len(pool)] for i in range(count)]


async def _measure(features: tuple[Feature, ...], questions: list[str], tmp: Path) -> list[float]:
    url = f"sqlite+aiosqlite:///{tmp / (features[1].name + '.sqlite3')}"
    settings = load_settings(database_url=url, pii_secret="benchmark-secret-0123456789")
    # The global limit is raised: this measures the bot's work, not Telegram's pacing.
    async with BotHarness(settings, features=features, global_rate=100_000) as harness:
        # Many people, a few questions each, as in real use (and under per-user flood limits).
        users = [harness.user(language_code="ru") for _ in range(USERS)]
        for question in questions[:10]:  # warm up connections and caches
            await users[-1].send(question)
        latencies = []
        for index, question in enumerate(questions):
            start = time.perf_counter()
            reply = await users[index % (USERS - 1)].send(question)
            latencies.append(time.perf_counter() - start)
            assert reply.messages, question
        return latencies


def _summary(name: str, latencies: list[float]) -> float:
    ordered = sorted(latencies)
    mean = statistics.fmean(ordered)
    p50 = ordered[len(ordered) // 2] * 1000
    p99 = ordered[int(len(ordered) * 0.99) - 1] * 1000
    print(f"  {name:<9} mean {mean * 1000:6.2f} ms  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms")
    return mean


async def main(count: int) -> None:
    questions = _questions(count)
    with tempfile.TemporaryDirectory() as tmp:
        echo = await _measure((core.feature, ECHO), questions, Path(tmp))
        answer = await _measure(
            (core.feature, guidance.feature, fallbacks.feature), questions, Path(tmp)
        )
    print(f"guidance end to end: {count} questions from {USERS - 1} users, one at a time")
    base = _summary("echo", echo)
    cost = _summary("guidance", answer)
    print(f"  ratio guidance / echo: {cost / base:.2f} (target <= 2.0)")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 300))
