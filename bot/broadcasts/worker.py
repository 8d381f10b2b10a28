"""The running part: the dispatcher on the leader, sending through Telegram.

Broadcast messages go through the bot's one outgoing path (bot/ops/sender.py, built in
app.py) in the broadcast lane: the send budget every instance shares gives them the slots
replies, deletions and notices leave, and a 429 holds them all. BROADCAST_RATE caps the lane.
Above 30/s only Telegram's paid broadcasts are allowed: the sends then carry
allow_paid_broadcast (up to 1000/s, billed in Stars by Telegram), outside the free budget,
and the dispatcher paces them itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import ExtBot

from bot.broadcasts import engine
from bot.broadcasts.deliveries import Store
from bot.broadcasts.engine import Dispatcher
from bot.broadcasts.progress import Button
from bot.ops.leader import Leadership
from bot.ops.sender import BulkBot, Outgoing, retry_after_seconds
from bot.runtime import Deps, EsignApplication

log = logging.getLogger(__name__)

FREE_RATE = 30.0  # messages a second Telegram allows a bot without paid broadcasts
LEADER_NAME = "broadcasts"


def keyboard(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in buttons]]
    )


class TelegramSender:
    """engine.Sender over the Bot API: Telegram's answers become the engine's outcomes."""

    def __init__(self, bot: BulkBot, *, paid: bool) -> None:
        self.bot = bot
        self.paid = paid

    async def send(self, chat_id: int, text: str) -> None:
        try:
            await self.bot.send_text(chat_id, text, paid=self.paid)
        except RetryAfter as exc:
            raise engine.RateLimited(retry_after_seconds(exc)) from exc
        except ChatMigrated as exc:
            raise engine.Migrated(int(exc.new_chat_id)) from exc
        except Forbidden as exc:
            # Private chats block the bot; groups remove it. Either way: skip until they return.
            raise (engine.Blocked if chat_id > 0 else engine.Left)(exc.message) from exc
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                raise engine.Left(exc.message) from exc
            raise engine.Permanent(exc.message) from exc
        except InvalidToken as exc:
            log.error("the Bot API refused the token while broadcasting")
            raise engine.Transient(exc.message) from exc
        except NetworkError as exc:  # timeouts included
            raise engine.Transient(exc.message) from exc
        except TelegramError as exc:
            raise engine.Permanent(exc.message) from exc


class TelegramNotifier:
    """engine.Notifier: the operator's progress message and final report, via the app's bot."""

    def __init__(self, bot: ExtBot[None]) -> None:
        self.bot = bot

    async def show(
        self, chat_id: int, message_id: int | None, text: str, buttons: Sequence[Button]
    ) -> int | None:
        markup = keyboard(buttons)
        if message_id is not None:
            try:
                await self.bot.edit_message_text(
                    text, chat_id=chat_id, message_id=message_id, reply_markup=markup
                )
                return message_id
            except BadRequest as exc:
                if "not modified" in exc.message.lower():
                    return message_id
                if "not found" not in exc.message.lower():
                    raise
        # No progress message yet (a campaign from the CLI), or the operator deleted it.
        message = await self.bot.send_message(chat_id, text, reply_markup=markup)
        return message.message_id

    async def send(self, chat_id: int, text: str) -> None:
        await self.bot.send_message(chat_id, text)


class BroadcastWorker:
    """Starts with the application, stops with it; dispatches only while it is the leader."""

    def __init__(self, application: EsignApplication) -> None:
        self.application = application
        deps = application.deps
        self.rate = deps.settings.broadcast_rate
        self.store = Store(deps.sessionmaker)
        paid = self.rate > FREE_RATE
        self.bot = deps.get(Outgoing).bulk(engine.in_flight_limit(self.rate))
        self.dispatcher = Dispatcher(
            self.store,
            TelegramSender(self.bot, paid=paid),
            rate=self.rate,
            texts=deps.texts,
            notifier=TelegramNotifier(application.bot),
            tuning=engine.TUNING,
            paced_by_sender=not paid,
        )
        self.leadership = Leadership(deps.engine, LEADER_NAME)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.bot.initialize()
        self._task = asyncio.create_task(
            self.leadership.run(self.dispatcher.run), name="broadcast-leader"
        )

    def wake(self) -> None:
        self.dispatcher.wake()

    async def stop(self) -> None:
        self.dispatcher.stop()
        self.leadership.stop()
        task, self._task = self._task, None
        if task is not None:
            try:
                await asyncio.wait_for(
                    asyncio.shield(task), self.dispatcher.tuning.stop_timeout + 2
                )
            except TimeoutError:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.leadership.close()


async def on_startup(application: EsignApplication) -> None:
    worker = BroadcastWorker(application)
    application.deps.provide(worker)
    await worker.start()


async def on_shutdown(application: EsignApplication) -> None:
    worker = application.deps.services.get(BroadcastWorker)
    if isinstance(worker, BroadcastWorker):
        await worker.stop()


def wake(deps: Deps) -> None:
    """Tell this instance's dispatcher that a campaign changed (others notice within a second)."""
    worker = deps.services.get(BroadcastWorker)
    if isinstance(worker, BroadcastWorker):
        worker.wake()
