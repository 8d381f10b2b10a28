"""The error handler: Telegram refusing what we sent is our bug, Telegram being away is not."""

from __future__ import annotations

import logging

import pytest
from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.config import Settings
from bot.core import handlers as core
from bot.harness import BotHarness
from bot.runtime import BotContext, Feature
from tests.ops.texts import shown


async def _too_long(update: Update, context: BotContext) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text("x" * 5000)  # Telegram: "message is too long"


async def _same_again(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    assert query.message is not None
    await query.answer()
    # What a double press on a ◀ / ▶ button does: edit the message into what it already is.
    await query.edit_message_text("Page 1", reply_markup=query.message.reply_markup)


FEATURES = (
    core.feature,
    Feature(
        name="buggy",
        handlers=[
            CommandHandler("long", _too_long),
            CallbackQueryHandler(_same_again, pattern="^same$"),
        ],
    ),
)


@pytest.fixture
async def buggy(settings: Settings) -> BotHarness:
    async with BotHarness(settings, features=FEATURES) as running:
        yield running  # type: ignore[misc]


async def test_a_bad_request_is_logged_as_a_bug_with_its_traceback_and_the_user_is_told(
    buggy: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.errors")
    user = buggy.user("Aigerim", language_code="en")
    reply = await user.send("/long")
    assert reply.text == shown("en", "core.error")
    assert ("sendMessage", 400, "Bad Request: message is too long") in buggy.api.api_errors
    records = [r for r in caplog.records if r.name == "bot.errors"]
    assert [r.levelno for r in records] == [logging.ERROR]
    assert records[0].getMessage().startswith("unhandled error (")
    assert records[0].exc_info is not None  # the traceback, to find the bug
    assert "Telegram API unavailable" not in caplog.text


async def test_message_not_modified_is_not_a_bug(
    buggy: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.errors")
    user = buggy.user("Aigerim", language_code="en")
    page = buggy.api.new_message(user.id, sender_id=0, from_bot=True)
    page.text = "Page 1"
    page.reply_markup = {"inline_keyboard": [[{"text": "▶", "callback_data": "same"}]]}
    pressed = await user.press(data="same", message=page)
    assert pressed.messages == []  # no apology: the message shows what was asked for
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
