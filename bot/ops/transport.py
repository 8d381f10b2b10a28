"""An aiohttp transport for PTB: the bot's own requests and the bulk sender's (broadcasts).

PTB's default transport (httpx) spends about 2 ms of CPU a request in its connection pool
under load, which caps one process near 500 messages a second; aiohttp (already a dependency,
it serves the webhook) does the same request in a fraction of that, which is what lets the
engine reach the paid-broadcast limit of 1000 a second, and which was the largest single cost
of answering a question. It sends text requests only: a request with a file goes to the
`files` transport (httpx, which writes multipart uploads), or fails when there is none.
"""

from __future__ import annotations

import json
import ssl

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_JSON = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    def __init__(
        self,
        *,
        connection_limit: int = 100,
        connect_timeout: float = 5.0,
        read_timeout: float = 10.0,
        tls: ssl.SSLContext | None = None,
        files: BaseRequest | None = None,
    ) -> None:
        self._limit = connection_limit
        self._tls = tls
        self._files = files
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=self._limit, ssl=self._tls if self._tls is not None else True
                ),
                headers={"User-Agent": self.USER_AGENT},
            )
        if self._files is not None:
            await self._files.initialize()

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None
        if self._files is not None:
            await self._files.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        if request_data is not None and request_data.contains_files:
            if self._files is None:
                raise RuntimeError("AiohttpRequest does not upload files")
            return await self._files.do_request(
                url,
                method,
                request_data,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=_seconds(connect_timeout, self._connect_timeout),
            sock_read=_seconds(read_timeout, self._read_timeout),
        )
        # JSON, which the Bot API takes for every request but an upload: PTB's default
        # transport form-encodes, and percent-encoding a long Cyrillic reply byte by byte
        # cost more than the rest of the request.
        body = json.dumps(request_data.parameters).encode() if request_data else None
        try:
            async with self._session.request(
                method, url, data=body, headers=_JSON if body else None, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut("timed out talking to the Bot API") from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc


def _seconds(value: ODVInput[float], default: float) -> float | None:
    if isinstance(value, DefaultValue):
        return default
    return value
