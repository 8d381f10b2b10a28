"""Password check: rates a key-container password and explains why, storing nothing of it.

Telegram-free; bot/passwords/handlers.py adapts it to updates.
"""

from bot.passwords.checker import MAX_ANALYSED_LENGTH, check_password
from bot.passwords.resources import check_content, resources
from bot.passwords.verdict import STRONG_ENOUGH_SCORE, PasswordVerdict

__all__ = [
    "MAX_ANALYSED_LENGTH",
    "STRONG_ENOUGH_SCORE",
    "PasswordVerdict",
    "check_content",
    "check_password",
    "resources",
]
