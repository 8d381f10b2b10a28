"""Webhook mode: Telegram's deliveries through the real server, and what it refuses."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Update
from telegram.ext import CommandHandler

from bot.app import FEATURES, build_application
from bot.config import Settings, load_settings
from bot.core import handlers as core
from bot.db.engine import create_engine
from bot.harness import BotHarness, FakeBotApi
from bot.harness.driver import HARNESS_TOKEN, WEBHOOK_PATH
from bot.harness.records import FakeAccount
from bot.ops.metrics import Metrics
from bot.ops.webhook import MAX_BODY, SECRET_HEADER, serve
from bot.runtime import BotContext, Feature
from tests.ops.cluster import free_port
from tests.ops.texts import first_line, shown


@pytest.fixture
async def hooked(settings: Settings) -> AsyncIterator[BotHarness]:
    async with BotHarness(settings, mode="webhook") as running:
        yield running


def _url(harness: BotHarness, path: str = WEBHOOK_PATH) -> str:
    assert harness.webhook_server is not None
    return f"http://127.0.0.1:{harness.webhook_server.port}{path}"


def _secret(harness: BotHarness) -> str:
    assert harness.api.delivery.webhook is not None
    secret = harness.api.delivery.webhook.secret
    assert secret
    return secret


def _update(user_id: int, text: str, update_id: int = 555_001) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": user_id, "type": "private", "first_name": "A"},
            "from": {"id": user_id, "is_bot": False, "first_name": "A"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
            if text.startswith("/")
            else [],
        },
    }


async def test_the_bot_registers_its_webhook_and_answers_through_it(hooked: BotHarness) -> None:
    user = hooked.user("Aigerim", language_code="en")
    reply = await user.send("/help")
    assert first_line("en", "core.help") in reply.text
    webhook = hooked.api.delivery.webhook
    assert webhook is not None
    assert webhook.url.endswith(WEBHOOK_PATH)
    assert webhook.secret  # registered with a secret
    assert [a.status for a in hooked.api.delivery.attempts] == [200]
    # getUpdates is refused while a webhook is set, as Telegram does.
    async with httpx.AsyncClient() as client:
        polled = await client.post(f"{hooked.api.base_url}{hooked.api.token}/getUpdates")
    assert polled.status_code == 409


@pytest.fixture
async def any_db_hooked(database_url: str, tmp_path: Path) -> AsyncIterator[BotHarness]:
    settings = load_settings(
        database_url=database_url, bot_data_dir=tmp_path, pii_secret="test-pii-secret-0123456789"
    )
    async with BotHarness(settings, mode="webhook") as running:
        yield running


@pytest.mark.parametrize("stagger", [0.0, 0.3], ids=["at-once", "after-the-first"])
async def test_a_repeated_delivery_is_handled_once(
    any_db_hooked: BotHarness, stagger: float
) -> None:
    harness = any_db_hooked
    user = harness.user("Aigerim", language_code="en")
    await user.send("/start")
    reply = await user.send("/help", copies=2, stagger=stagger)
    assert len(reply.messages) == 1
    assert first_line("en", "core.help") in reply.text
    assert [a.status for a in harness.api.delivery.attempts_for(reply.update_id)] == [200, 200]
    metrics = harness.application.deps.get(Metrics)
    assert metrics.dropped.labels("duplicate")._value.get() == 1


async def test_wrong_or_missing_secret_is_403_and_never_handled(hooked: BotHarness) -> None:
    user = hooked.user("Aigerim")
    body = _update(user.id, "/help")
    async with httpx.AsyncClient() as client:
        none = await client.post(_url(hooked), json=body)
        wrong = await client.post(_url(hooked), json=body, headers={SECRET_HEADER: "nope"})
        near = await client.post(
            _url(hooked), json=body, headers={SECRET_HEADER: _secret(hooked)[:-1]}
        )
        unicode = await client.post(
            _url(hooked), content=json.dumps(body), headers={SECRET_HEADER: "ключ".encode()}
        )
        not_utf8 = await client.post(
            _url(hooked), content=json.dumps(body), headers={SECRET_HEADER: b"\xff\xfe"}
        )
    assert [r.status_code for r in (none, wrong, near, unicode, not_utf8)] == [403] * 5
    await asyncio.sleep(0.1)
    assert hooked.messages_to(user.id) == []
    metrics = hooked.application.deps.get(Metrics)
    assert metrics.updates.labels("message")._value.get() == 0


async def test_oversized_malformed_and_non_update_bodies_are_refused(hooked: BotHarness) -> None:
    headers = {SECRET_HEADER: _secret(hooked), "Content-Type": "application/json"}
    user = hooked.user("Aigerim")
    huge = json.dumps(_update(user.id, "x" * (MAX_BODY + 10)))
    async with httpx.AsyncClient() as client:
        too_big = await client.post(_url(hooked), content=huge, headers=headers)
        broken = await client.post(_url(hooked), content=b"{not json", headers=headers)
        binary = await client.post(_url(hooked), content=b"\xff\xfe\x00", headers=headers)
        a_list = await client.post(_url(hooked), content=b"[1, 2]", headers=headers)
        no_id = await client.post(_url(hooked), content=b'{"message": {}}', headers=headers)
        text_id = await client.post(_url(hooked), content=b'{"update_id": "7"}', headers=headers)
        wrong_method = await client.get(_url(hooked), headers=headers)
    assert too_big.status_code == 413
    assert [r.status_code for r in (broken, binary, a_list, no_id, text_id)] == [400] * 5
    assert wrong_method.status_code == 405
    assert hooked.messages_to(user.id) == []


async def test_deeply_nested_json_is_refused_with_400(hooked: BotHarness) -> None:
    headers = {SECRET_HEADER: _secret(hooked), "Content-Type": "application/json"}
    user = hooked.user("Aigerim")
    # Deeper than the JSON parser's stack, and a message quoting a message quoting…: the
    # first used to end in a 500 (RecursionError), Telegram then retrying it for a day.
    brackets = b"[" * 200_000 + b"]" * 200_000
    inner: dict[str, Any] = _update(user.id, "hi")["message"]
    for _ in range(400):
        inner = {**_update(user.id, "hi")["message"], "reply_to_message": inner}
    quoting = json.dumps({"update_id": 555_002, "message": inner})
    assert len(brackets) < MAX_BODY
    assert len(quoting) < MAX_BODY
    async with httpx.AsyncClient() as client:
        nested = await client.post(_url(hooked), content=brackets, headers=headers)
        in_update = await client.post(
            _url(hooked),
            content=b'{"update_id": 555003, "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
            headers=headers,
        )
        chain = await client.post(_url(hooked), content=quoting, headers=headers)
        # The server is still well.
        fine = await client.get(_url(hooked, "/healthz"))
    assert nested.status_code == 400
    assert in_update.status_code == 400
    assert chain.status_code in (200, 400)  # handled, or refused as malformed: never a 500
    assert fine.status_code == 200


async def test_health_is_ok_with_a_database_and_503_without(hooked: BotHarness) -> None:
    async with httpx.AsyncClient() as client:
        ok = await client.get(_url(hooked, "/healthz"))
        assert ok.status_code == 200
        assert ok.json() == {"status": "ok", "database": "ok", "bot": "ok", "passwords": "ok"}
        deps = hooked.application.deps
        real = deps.engine
        deps.engine = create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
        try:
            down = await client.get(_url(hooked, "/healthz"))
        finally:
            await deps.engine.dispose()
            deps.engine = real
    assert down.status_code == 503
    assert down.json()["database"] == "unreachable"


async def test_metrics_count_updates_latency_and_sends_without_personal_data(
    hooked: BotHarness,
) -> None:
    user = hooked.user("Aigerim", language_code="en", user_id=987_654_321)
    await user.send("/start")
    await user.send("/help")
    await user.press("Help")
    async with httpx.AsyncClient() as client:
        scraped = await client.get(_url(hooked, "/metrics"))
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(scraped.text)}
    values = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for f in families.values()
        for s in f.samples
    }
    assert values[("esign_updates_total", (("type", "message"),))] == 2
    assert values[("esign_updates_total", (("type", "callback_query"),))] == 1
    assert values[("esign_update_handling_seconds_count", (("type", "message"),))] == 2
    assert values[("esign_messages_sent_total", (("method", "sendMessage"),))] >= 3
    assert ("esign_telegram_rate_limited_total", ()) in values
    assert ("esign_revocation_requests_open", ()) in values
    assert ("esign_broadcast_leader", ()) in values
    # Ids of people never become labels, and no text does.
    assert "987654321" not in scraped.text
    assert "Aigerim" not in scraped.text


async def test_errors_are_counted(settings: Settings) -> None:
    async def broken(update: Update, context: BotContext) -> None:
        raise ValueError("boom")

    features = (core.feature, Feature(name="broken", handlers=[CommandHandler("boom", broken)]))
    async with BotHarness(settings, mode="webhook", features=features) as harness:
        user = harness.user("Aigerim", language_code="en")
        reply = await user.send("/boom")
        assert reply.text == shown("en", "core.error")  # the error handler still answers
        metrics = harness.application.deps.get(Metrics)
        assert metrics.errors.labels("ValueError")._value.get() == 1
        # Handled (with an apology): Telegram got its 200 and does not redeliver.
        assert [a.status for a in harness.api.delivery.attempts] == [200]


async def test_draining_finishes_updates_in_flight_and_refuses_new_ones(
    settings: Settings,
) -> None:
    release = asyncio.Event()
    started = asyncio.Event()

    async def slow(update: Update, context: BotContext) -> None:
        started.set()
        await release.wait()
        assert update.effective_chat is not None
        await update.effective_chat.send_message("done")

    features = (*FEATURES[:1], Feature(name="slow", handlers=[CommandHandler("slow", slow)]))
    async with BotHarness(settings, mode="webhook", features=features) as harness:
        user = harness.user("Aigerim", language_code="en")
        server = harness.webhook_server
        assert server is not None
        pending = asyncio.create_task(user.send("/slow"))
        await asyncio.wait_for(started.wait(), 5)
        draining = asyncio.create_task(server.drain(within=5))
        await asyncio.sleep(0.2)
        assert not draining.done()  # waits for the update in flight
        with pytest.raises(httpx.ConnectError):  # no longer accepting connections
            async with httpx.AsyncClient() as client:
                await client.get(_url(harness, "/healthz"))
        release.set()
        await asyncio.wait_for(draining, 5)
        reply = await pending
        assert reply.text == "done"


async def test_webhook_settings_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.kz/metrics")
    monkeypatch.setenv("WEBHOOK_SECRET", "abc")
    with pytest.raises(Exception, match=r"^WEBHOOK_URL: the path /metrics is the server's own"):
        load_settings()
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.kz/hook")
    monkeypatch.setenv("WEBHOOK_SECRET", "with space")
    with pytest.raises(Exception, match=r"^WEBHOOK_SECRET: use 1-256 characters"):
        load_settings()


async def _advisory_locks(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        count = await conn.scalar(
            text(
                "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
                " WHERE l.locktype = 'advisory' AND d.datname = current_database()"
            )
        )
    return int(count or 0)


async def test_sigterm_finishes_the_update_in_flight_and_releases_the_leader_locks(
    postgres_url: str, tmp_path: Path
) -> None:
    """`serve()` as `esign-bot run` runs it; SIGTERM to this very process, handled by it."""
    release = asyncio.Event()
    started = asyncio.Event()

    async def slow(update: Update, context: BotContext) -> None:
        started.set()
        await release.wait()
        assert update.effective_chat is not None
        await update.effective_chat.send_message("finished")

    api = FakeBotApi(token=HARNESS_TOKEN)
    await api.start()
    port = free_port()
    settings = load_settings(
        database_url=postgres_url,
        bot_data_dir=tmp_path,
        pii_secret="test-pii-secret-0123456789",
        bot_token=HARNESS_TOKEN,
        bot_api_base_url=api.base_url,
        bot_api_file_url=api.file_url,
        webhook_url=f"http://127.0.0.1:{port}/hook",
        webhook_secret="sigterm-secret",
        webhook_port=port,
    )
    features = (Feature(name="slow", handlers=[CommandHandler("slow", slow)]), *FEATURES)
    application = build_application(settings, features=features)
    observer = create_engine(postgres_url)
    running = asyncio.create_task(serve(application, settings))
    try:
        await _until(lambda: api.delivery.webhook is not None, 30)
        # The leaders (broadcasts, reminders) hold their advisory locks.
        await _until_async(lambda: _advisory_locks(observer), 15)
        api.add_account(FakeAccount(id=4242, first_name="A"))
        update_id = api.push_update({"message": _update(4242, "/slow")["message"]})
        await asyncio.wait_for(started.wait(), 10)
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.sleep(0.3)
        assert not running.done()  # waiting for the update in flight
        release.set()
        await asyncio.wait_for(running, 30)
        assert api.delivery.acks.get(update_id) == 1
        assert [m.text for m in api.messages.values() if m.from_bot] == ["finished"]
        assert await _advisory_locks(observer) == 0  # released, with this process alive
    finally:
        release.set()
        if not running.done():
            running.cancel()
        await observer.dispose()
        await api.stop()


async def _until(condition: Callable[[], bool], within: float) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def _until_async(condition: Callable[[], Awaitable[int]], within: float) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.1)


def test_a_taken_port_stops_the_start_with_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "bot", "run"],
            env={
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "BOT_TOKEN": HARNESS_TOKEN,
                # Nothing answers here: the start must fail before Telegram is asked anything.
                "BOT_API_BASE_URL": "http://127.0.0.1:9/bot",
                "PII_SECRET": "test-pii-secret-0123456789",
                "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}",
                "WEBHOOK_URL": "https://bot.example.kz/hook",
                "WEBHOOK_SECRET": "secret",
                "WEBHOOK_PORT": str(port),
            },
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"esign-bot: error: WEBHOOK_PORT: cannot listen on 127.0.0.1:{port}:")
