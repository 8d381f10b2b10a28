"""A password worker that dies (killed, out of memory) is replaced, and /healthz and /metrics
say so; before, every later check failed until the bot was restarted."""

from __future__ import annotations

import functools
import multiprocessing
import os
import signal

import httpx
import pytest

from bot.config import Settings
from bot.harness import BotHarness
from bot.ops.metrics import Metrics
from bot.passwords.pool import CheckPool, PasswordCheckError
from tests.ops.texts import shown

PASSWORD = "Qwerty12"


def _kill_workers() -> int:
    children = multiprocessing.active_children()
    for child in children:
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
    return len(children)


async def _wait_broken(harness: BotHarness, pool: CheckPool) -> None:
    await harness.wait_for(lambda: pool.broken)


@pytest.fixture
async def hooked(settings: Settings) -> BotHarness:
    async with BotHarness(settings, mode="webhook") as running:
        yield running  # type: ignore[misc]


def _url(harness: BotHarness, path: str) -> str:
    assert harness.webhook_server is not None
    return f"http://127.0.0.1:{harness.webhook_server.port}{path}"


async def test_a_killed_worker_is_replaced_and_the_next_check_works(hooked: BotHarness) -> None:
    pool = hooked.application.deps.get(CheckPool)
    user = hooked.user("Aigerim", language_code="en")
    await user.send("/password")
    first = await user.send(PASSWORD)
    assert "Qwerty12" not in first.text
    assert first.text != shown("en", "core.error")
    assert _kill_workers() == 1
    await _wait_broken(hooked, pool)
    await user.send("/password")
    second = await user.send(PASSWORD)
    assert second.text == first.text  # the same verdict, from a new worker
    assert pool.restarts == 1
    assert not pool.broken
    async with httpx.AsyncClient() as client:
        metrics = (await client.get(_url(hooked, "/metrics"))).text
    assert "esign_password_pool_restarts_total 1.0" in metrics
    assert "esign_password_pool_broken 0.0" in metrics
    assert (
        hooked.application.deps.get(Metrics).errors.labels("PasswordCheckError")._value.get() == 0
    )


async def test_health_restarts_a_broken_pool_and_is_503_while_it_cannot(
    hooked: BotHarness,
) -> None:
    deps = hooked.application.deps
    async with httpx.AsyncClient(timeout=60) as client:
        ok = await client.get(_url(hooked, "/healthz"))
        assert ok.status_code == 200
        assert ok.json()["passwords"] == "ok"
        # A worker dies with nobody checking a password: the next probe restarts the pool.
        user = hooked.user("Aigerim", language_code="en")
        await user.send("/password")
        await user.send(PASSWORD)
        pool = deps.get(CheckPool)
        _kill_workers()
        await _wait_broken(hooked, pool)
        healed = await client.get(_url(hooked, "/healthz"))
        assert healed.status_code == 200
        assert healed.json()["passwords"] == "ok"
        assert pool.restarts == 1
        # Workers that die as soon as they start: unhealthy until that changes.
        pool.close()
        dying = CheckPool(1, initializer=functools.partial(os._exit, 1))
        deps.provide(dying)
        try:
            await user.send("/password")
            failed = await user.send(PASSWORD)
            assert failed.text == shown("en", "core.error")
            assert dying.broken
            down = await client.get(_url(hooked, "/healthz"))
            assert down.status_code == 503
            assert down.json()["passwords"] == "broken"
        finally:
            dying.close()


async def test_a_check_that_kills_its_worker_twice_fails_without_the_password() -> None:
    pool = CheckPool(1, initializer=functools.partial(os._exit, 1))
    try:
        with pytest.raises(PasswordCheckError) as raised:
            await pool.check(PASSWORD, ["Aigerim"])
        assert pool.broken  # left for /healthz to see
        assert not await pool.revive(within=20)
        assert pool.restarts == 2
    finally:
        pool.close()
    assert PASSWORD not in str(raised.value)
    assert raised.value.__cause__ is None
