"""The fake Bot API delivers webhooks as Telegram does: POST, secret header, retry until 2xx."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from aiohttp import web

from bot.harness import FakeBotApi
from bot.harness.webhook import SECRET_HEADER

TOKEN = "123:abc"


class Receiver:
    """A stand-in bot: answers the first `failures` POSTs with 500, then 200."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.received: list[tuple[dict[str, object], str | None]] = []
        self.runner: web.AppRunner | None = None
        self.port = 0

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((await request.json(), request.headers.get(SECRET_HEADER)))
        if self.failures:
            self.failures -= 1
            return web.Response(status=500)
        return web.Response(status=200)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi(token=TOKEN)
    await server.start()
    yield server
    await server.stop()


async def call(api: FakeBotApi, method: str, **params: object) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(f"{api.base_url}{TOKEN}/{method}", json=params)


async def test_updates_are_posted_with_the_secret_and_retried_until_2xx(api: FakeBotApi) -> None:
    receiver = Receiver(failures=2)
    await receiver.start()
    try:
        ok = await call(api, "setWebhook", url=receiver.url, secret_token="s3cret")
        assert ok.json() == {"ok": True, "result": True}
        update_id = api.push_update({"message": {"message_id": 1}})
        await api.delivery.wait_delivered(update_id, 5)
        assert [a.status for a in api.delivery.attempts_for(update_id)] == [500, 500, 200]
        assert {secret for _, secret in receiver.received} == {"s3cret"}
        assert receiver.received[0][0] == {"update_id": update_id, "message": {"message_id": 1}}
    finally:
        await receiver.stop()


async def test_a_refused_connection_is_retried(api: FakeBotApi) -> None:
    receiver = Receiver()
    await receiver.start()
    port = receiver.port
    await receiver.stop()  # nobody listens there now
    await call(api, "setWebhook", url=f"http://127.0.0.1:{port}/hook", secret_token="s")
    update_id = api.push_update({"message": {"message_id": 1}})
    await asyncio.sleep(0.3)
    failed = api.delivery.attempts_for(update_id)
    assert len(failed) >= 2
    assert all(a.status is None and a.error for a in failed)


async def test_copies_are_each_delivered_and_pending_updates_wait_for_a_webhook(
    api: FakeBotApi,
) -> None:
    receiver = Receiver()
    await receiver.start()
    try:
        waiting = api.push_update({"message": {"message_id": 1}})
        await call(api, "setWebhook", url=receiver.url)
        twice = api.push_update({"message": {"message_id": 2}}, copies=2)
        await api.delivery.wait_delivered(waiting, 5)
        await api.delivery.wait_delivered(twice, 5)
        ids = [body["update_id"] for body, _ in receiver.received]
        assert sorted(ids) == [waiting, twice, twice]
        assert api.delivery.acks == {waiting: 1, twice: 2}
        assert (await call(api, "getWebhookInfo")).json()["result"]["pending_update_count"] == 0
    finally:
        await receiver.stop()


async def test_get_updates_is_refused_while_a_webhook_is_set(api: FakeBotApi) -> None:
    await call(api, "setWebhook", url="http://127.0.0.1:9/hook")
    refused = await call(api, "getUpdates")
    assert refused.status_code == 409
    await call(api, "deleteWebhook")
    api.push_update({"message": {"message_id": 1}})
    polled = await call(api, "getUpdates")
    assert len(polled.json()["result"]) >= 1


async def test_set_webhook_checks_like_telegram(api: FakeBotApi) -> None:
    bad_secret = await call(api, "setWebhook", url="http://127.0.0.1:9/hook", secret_token="a b")
    assert bad_secret.status_code == 400
    bad_url = await call(api, "setWebhook", url="ftp://example/hook")
    assert bad_url.status_code == 400
    assert api.delivery.webhook is None
