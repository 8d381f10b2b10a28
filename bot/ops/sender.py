"""The one outgoing path: every Bot API call of the bot goes through `BudgetRateLimiter`.

PTB hands each call of an ExtBot to its rate limiter (`process_request`), with the method's
name and parameters. Ours gives messages, edits and deletions a slot of the send budget in
their lane (bot/ops/lanes.py), through the scheduler (bot/ops/sendqueue.py), whose slots come
from this process alone (SQLite) or from the budget all instances share (PostgreSQL,
bot/ops/budget.py). A 429 holds every lane here and, through the shared budget, everywhere.

`Outgoing`, built once in app.py, is what features reach the Bot API with: the application's
bot (handlers' replies, notices, reminders) and `bulk`, a second transport of the same bot for
broadcasts (aiohttp: cheaper per request) whose calls go in the broadcast lane. Both share the
limiter, so both spend the one budget.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter, ExtBot
from telegram.warnings import PTBDeprecationWarning

from bot.ops import lanes
from bot.ops.budget import SharedGroupLimit, SharedSlots, budget_name
from bot.ops.lanes import Lane
from bot.ops.metrics import Metrics
from bot.ops.sendqueue import LocalGroupLimit, LocalSlots, Scheduler
from bot.ops.transport import AiohttpRequest

log = logging.getLogger(__name__)

ApiResult = bool | dict[str, Any] | list[dict[str, Any]]
MAX_RETRIES = 3  # 429s for one call before it fails
# What Telegram echoes back in a message the bot sent that the bot never reads from it: the
# keyboard it just sent and the message it answered. PTB would build objects of both for every
# reply (an answer's keyboard alone was most of the cost of parsing the reply).
_UNREAD_ECHO = ("reply_markup", "reply_to_message")
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def retry_after_seconds(exc: RetryAfter) -> float:
    """Seconds to hold, from an int or (PTB_TIMEDELTA, PTB 23) a timedelta."""
    with warnings.catch_warnings():  # reading the int form is deprecated, not wrong
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class BudgetRateLimiter(BaseRateLimiter[Lane]):
    """PTB's rate limiter slot: lanes, the shared budget, and the bot's send metrics."""

    def __init__(
        self, scheduler: Scheduler, metrics: Metrics, *, max_retries: int = MAX_RETRIES
    ) -> None:
        self.scheduler = scheduler
        self.metrics = metrics
        self.max_retries = max_retries

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        # Both transports share this limiter: the scheduler stops with the application.
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, ApiResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Lane | None,
    ) -> ApiResult:
        budgeted = lanes.is_budgeted(endpoint)
        new_message = lanes.is_new_message(endpoint)
        lane = lanes.lane_of(endpoint, rate_limit_args)
        chat_id = _chat_id(data.get("chat_id"))
        # Paid broadcasts have Telegram's separate allowance (up to 1000/s): the broadcast
        # engine paces them itself at BROADCAST_RATE.
        paid = bool(data.get("allow_paid_broadcast"))
        for attempt in range(self.max_retries + 1):
            if budgeted and not paid:
                waited = await self.scheduler.acquire(lane, chat_id, new_message=new_message)
                self.metrics.send_wait.labels(lane.name.lower()).observe(waited)
            try:
                result = await callback(*args, **kwargs)
            except RetryAfter as exc:
                self.metrics.rate_limited.inc()
                seconds = retry_after_seconds(exc)
                await self.scheduler.hold(seconds)
                if attempt == self.max_retries:
                    raise
                log.info("Telegram said 429 to %s: holding %.1f s", endpoint, seconds)
                continue
            if new_message:
                self.metrics.sent.labels(endpoint).inc()
            if budgeted and isinstance(result, dict):
                for key in _UNREAD_ECHO:
                    result.pop(key, None)
            return result
        raise AssertionError("unreachable")  # the loop returns or raises


def _chat_id(value: object) -> int | None:
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None  # @channelusername: no per-chat pacing
    return None


class BulkBot(ExtBot[Lane]):
    """The bot's second transport, for broadcasts: aiohttp, and the answer only checked.

    At 1000 messages a second, turning each reply into a telegram.Message costs a tenth of the
    CPU; a broadcast needs nothing from it. Its calls go in the broadcast lane."""

    async def send_text(self, chat_id: int, text: str, *, paid: bool) -> None:
        data: dict[str, object] = {
            "chat_id": chat_id,
            "text": text,
            "parse_mode": ParseMode.HTML,
            "link_preview_options": _NO_PREVIEW,
        }
        if paid:
            data["allow_paid_broadcast"] = True
        await self._post("sendMessage", data, api_kwargs=self._rl(Lane.BROADCAST))

    def _rl(self, lane: Lane) -> dict[str, Any]:
        return self._merge_api_rl_kwargs(None, lane) or {}


class Outgoing:
    """The sending side of the bot, built once in app.py; features take it from deps."""

    def __init__(
        self, scheduler: Scheduler, limiter: BudgetRateLimiter, *, base_url: str, file_url: str
    ) -> None:
        self.scheduler = scheduler
        self.limiter = limiter
        self.base_url, self.file_url = base_url, file_url
        self.bot: ExtBot[Any] | None = None
        self._bulk: BulkBot | None = None

    def bulk(self, connections: int) -> BulkBot:
        """The broadcast transport (made once, on first use): same token, same limiter."""
        if self._bulk is None:
            bot = self.bot
            assert bot is not None, "Outgoing.bot is set when the application is built"
            self._bulk = BulkBot(
                token=bot.token,
                base_url=self.base_url,
                base_file_url=self.file_url,
                request=AiohttpRequest(connection_limit=max(8, connections)),
                get_updates_request=AiohttpRequest(connection_limit=1),
                rate_limiter=self.limiter,
                defaults=bot.defaults,
            )
        return self._bulk

    async def close(self) -> None:
        bulk, self._bulk = self._bulk, None
        if bulk is not None:
            await bulk.shutdown()
        await self.scheduler.close()


def build_outgoing(
    *,
    dialect: str,
    engine: Any,
    token: str,
    base_url: str,
    file_url: str,
    rate: float,
    broadcast_rate: float,
    metrics: Metrics,
) -> Outgoing:
    """One budget per bot token: shared in PostgreSQL, this process's own on SQLite."""
    caps = {Lane.BROADCAST: broadcast_rate} if broadcast_rate < rate else {}
    if dialect == "postgresql":
        name = budget_name(token)
        scheduler = Scheduler(
            SharedSlots(engine, name, rate), groups=SharedGroupLimit(engine, name), lane_caps=caps
        )
    else:
        scheduler = Scheduler(LocalSlots(rate), groups=LocalGroupLimit(), lane_caps=caps)
    limiter = BudgetRateLimiter(scheduler, metrics)
    return Outgoing(scheduler, limiter, base_url=base_url, file_url=file_url)
