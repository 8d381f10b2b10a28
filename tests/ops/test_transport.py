"""The bot's transport: text requests over aiohttp, uploads handed to the files transport."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import InputFile
from telegram.request import BaseRequest, RequestData
from telegram.request._requestparameter import RequestParameter

from bot.app import _request
from bot.ops.transport import AiohttpRequest


class _Recorder(BaseRequest):
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.started = self.stopped = False

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        self.started = True

    async def shutdown(self) -> None:
        self.stopped = True

    async def do_request(
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        self.calls.append(url)
        return 200, b'{"ok": true, "result": true}'


def _upload() -> RequestData:
    return RequestData(
        [RequestParameter.from_input("document", InputFile(b"chart", filename="chart.png"))]
    )


async def test_an_upload_goes_to_the_files_transport() -> None:
    files = _Recorder()
    request = AiohttpRequest(files=files)
    await request.initialize()
    try:
        assert files.started
        status, _ = await request.do_request("http://127.0.0.1:9/sendDocument", "POST", _upload())
    finally:
        await request.shutdown()
    assert status == 200
    assert files.calls == ["http://127.0.0.1:9/sendDocument"]
    assert files.stopped


async def test_without_a_files_transport_an_upload_fails_plainly() -> None:
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(RuntimeError, match="does not upload files"):
            await request.do_request("http://127.0.0.1:9/sendDocument", "POST", _upload())
    finally:
        await request.shutdown()


def test_the_bot_sends_over_aiohttp_and_uploads_over_httpx() -> None:
    request = _request(4)
    assert isinstance(request, AiohttpRequest)
    assert type(request._files).__name__ == "HTTPXRequest"
