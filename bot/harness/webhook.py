"""Webhook delivery as Telegram does it: POST each update, retry until a 2xx.

Once the bot calls setWebhook, every pushed update is POSTed as JSON to the URL with the
X-Telegram-Bot-Api-Secret-Token header, up to `max_connections` at a time. An answer other than
2xx, a refused connection or a timeout is retried with a growing pause, as Telegram does, so a
bot instance that dies mid-update gets its update redelivered (through a load balancer: to
another instance). A test can ask for an update to be delivered twice, as Telegram does when
an answer is lost, to check that it is handled once.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

DEFAULT_MAX_CONNECTIONS = 40
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)


@dataclass(frozen=True)
class Attempt:
    """One POST of one update: the HTTP status, or the connection error's name."""

    update_id: int
    status: int | None
    error: str | None
    started: float
    finished: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class Webhook:
    url: str
    secret: str | None
    max_connections: int = DEFAULT_MAX_CONNECTIONS


class WebhookDelivery:
    """Delivers pending updates while a webhook is set; `pending` is shared with getUpdates."""

    def __init__(
        self,
        pending: list[dict[str, Any]],
        *,
        retry_delay: float = 0.05,
        max_retry_delay: float = 1.0,
        timeout: float = 60.0,
    ) -> None:
        self.pending = pending
        self.retry_delay = retry_delay
        self.max_retry_delay = max_retry_delay
        self.timeout = timeout
        self.webhook: Webhook | None = None
        self.attempts: list[Attempt] = []
        self.acks: dict[int, int] = {}  # update_id → deliveries answered with 2xx
        self.on_attempt: list[Callable[[Attempt], None]] = []
        self._expected: dict[int, int] = {}
        self._delivered: dict[int, asyncio.Event] = {}
        self._tasks: dict[int, asyncio.Task[None]] = {}  # id() of a pending update → its task
        self._stagger: dict[int, float] = {}
        self._connections = asyncio.Semaphore(DEFAULT_MAX_CONNECTIONS)
        self._session: aiohttp.ClientSession | None = None

    # ---- what the fake server calls --------------------------------------------------------

    def expect(self, update_id: int, copies: int) -> None:
        self._expected[update_id] = self._expected.get(update_id, 0) + copies
        self._delivered.setdefault(update_id, asyncio.Event())

    def queued(self, update: dict[str, Any], stagger: float = 0.0) -> None:
        """A pending update (or a copy of one) was added: deliver it if a webhook is set."""
        if stagger:
            self._stagger[id(update)] = stagger
        if self.webhook is not None:
            self._spawn(update)

    def set(self, webhook: Webhook, *, drop_pending: bool) -> None:
        self.unset(drop_pending=drop_pending)
        self.webhook = webhook
        self._connections = asyncio.Semaphore(webhook.max_connections)
        for update in list(self.pending):
            self._spawn(update)

    def unset(self, *, drop_pending: bool) -> None:
        self.webhook = None
        for task in self._tasks.values():
            task.cancel()
        self._tasks.clear()
        if drop_pending:
            self.pending.clear()

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        self.unset(drop_pending=False)
        await asyncio.gather(*tasks, return_exceptions=True)
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    # ---- what tests use --------------------------------------------------------------------

    async def wait_delivered(self, update_id: int, within: float) -> None:
        """Until every copy of the update was answered with a 2xx."""
        event = self._delivered.setdefault(update_id, asyncio.Event())
        try:
            await asyncio.wait_for(event.wait(), within)
        except TimeoutError:
            raise AssertionError(f"update {update_id} was not delivered in time") from None

    def attempts_for(self, update_id: int) -> list[Attempt]:
        return [a for a in self.attempts if a.update_id == update_id]

    @property
    def idle(self) -> bool:
        return not self._tasks

    # ---- delivering ------------------------------------------------------------------------

    def _spawn(self, update: dict[str, Any]) -> None:
        key = id(update)
        if key not in self._tasks:
            self._tasks[key] = asyncio.get_running_loop().create_task(
                self._deliver(update), name=f"webhook-{update['update_id']}"
            )

    async def _deliver(self, update: dict[str, Any]) -> None:
        key, update_id = id(update), int(update["update_id"])
        delay = self.retry_delay
        body = json.dumps(update, ensure_ascii=False).encode()
        await asyncio.sleep(self._stagger.pop(key, 0.0))
        try:
            while (webhook := self.webhook) is not None:
                async with self._connections:
                    attempt = await self._post(webhook, update_id, body)
                self.attempts.append(attempt)
                for listener in self.on_attempt:
                    listener(attempt)
                if attempt.ok:
                    self._acknowledged(update)
                    return
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_retry_delay)
        finally:
            self._tasks.pop(key, None)

    async def _post(self, webhook: Webhook, update_id: int, body: bytes) -> Attempt:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        headers = {"Content-Type": "application/json"}
        if webhook.secret:
            headers[SECRET_HEADER] = webhook.secret
        started = time.monotonic()
        try:
            async with self._session.post(
                webhook.url,
                data=body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.timeout),
            ) as response:
                await response.read()
                return Attempt(update_id, response.status, None, started)
        except (aiohttp.ClientError, TimeoutError) as exc:
            return Attempt(update_id, None, type(exc).__name__, started)

    def _acknowledged(self, update: dict[str, Any]) -> None:
        update_id = int(update["update_id"])
        self.acks[update_id] = self.acks.get(update_id, 0) + 1
        # By identity, not equality: a copy of the update may still be pending.
        for index, pending in enumerate(self.pending):
            if pending is update:
                del self.pending[index]
                break
        if self.acks[update_id] >= self._expected.get(update_id, 1):
            self._delivered.setdefault(update_id, asyncio.Event()).set()
