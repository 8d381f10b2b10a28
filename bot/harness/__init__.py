"""A fake Telegram Bot API over loopback HTTP, a driver for tests, and the terminal chat.

The real Application talks to it through BOT_API_BASE_URL, so the bot's HTTP stack, rate
limiter and handlers all run; the server enforces Telegram's limits so tests catch what
Telegram would refuse.
"""

from bot.harness.driver import BotHarness, Exchange, FakeUser
from bot.harness.server import FakeBotApi

__all__ = ["BotHarness", "Exchange", "FakeBotApi", "FakeUser"]
