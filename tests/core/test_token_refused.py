"""A token Telegram refuses stops `esign-bot run` with one line that does not contain it."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from bot.harness.server import FakeBotApi
from tests.cli_runner import run_process

GOOD_TOKEN = "1000:harness-token"
REFUSED = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
REFUSED_LINE = "esign-bot: error: BOT_TOKEN: the token was refused by Telegram\n"


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi(token=GOOD_TOKEN)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def _env(tmp_path: Path, base_url: str, token: str, **extra: str) -> dict[str, str]:
    return {
        "BOT_TOKEN": token,
        "BOT_API_BASE_URL": base_url,
        "PII_SECRET": "test-pii-secret-0123456789",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        **extra,
    }


async def test_refused_token_in_polling_mode_is_one_line(api: FakeBotApi, tmp_path: Path) -> None:
    env = _env(tmp_path, api.base_url, REFUSED)
    # The fake API answers on this event loop: the command runs in a thread meanwhile.
    result = await asyncio.to_thread(run_process, "run", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert result.stderr == REFUSED_LINE
    assert result.stdout == ""
    assert api.requests == []  # nothing was asked with the refused token


async def test_refused_token_in_webhook_mode_ends_with_one_line(
    api: FakeBotApi, tmp_path: Path
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = _env(
        tmp_path,
        api.base_url,
        REFUSED,
        WEBHOOK_URL="https://bot.example.kz/hook",
        WEBHOOK_SECRET="hook-secret",
        WEBHOOK_PORT=str(port),
    )
    result = await asyncio.to_thread(run_process, "run", cwd=tmp_path, env=env)
    assert result.returncode == 2
    # The server's own start and stop lines may come first; no traceback, no token.
    assert result.stderr.splitlines()[-1] + "\n" == REFUSED_LINE
    assert "Traceback" not in result.stderr
    assert REFUSED.split(":")[1] not in result.stdout + result.stderr


@pytest.fixture
async def not_found_api() -> AsyncIterator[str]:
    """What Telegram answers for a malformed token: 404 with its JSON error body."""

    async def not_found(_: web.Request) -> web.Response:
        body = {"ok": False, "error_code": 404, "description": "Not Found"}
        return web.json_response(body, status=404)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", not_found)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    assert isinstance(server, asyncio.Server)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/bot"
    finally:
        await runner.cleanup()


async def test_refused_token_404_is_one_line_without_the_token(
    not_found_api: str, tmp_path: Path
) -> None:
    env = _env(tmp_path, not_found_api, "not-a-token-SECRETPART")
    result = await asyncio.to_thread(run_process, "run", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert result.stderr == REFUSED_LINE
    assert "SECRETPART" not in result.stdout + result.stderr
