"""The features' web pages in polling mode: a small aiohttp server on WEBAPP_LISTEN:WEBAPP_PORT.

In webhook mode the webhook server serves the same routes on its own port, so one nginx
upstream reaches both.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from aiohttp import web

from bot.ops.webhook import ListenError

log = logging.getLogger(__name__)


class PageServer:
    def __init__(self, routes: Sequence[web.RouteDef], *, host: str, port: int) -> None:
        self.routes = list(routes)
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.add_routes(self.routes)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except OSError as exc:
            await self._runner.cleanup()
            self._runner = None
            raise ListenError(f"cannot listen on {self.host}:{self.port}: {exc.strerror}") from None
        server = site._server
        if isinstance(server, asyncio.Server) and server.sockets:
            self.port = server.sockets[0].getsockname()[1]
        log.info("serving web pages on %s:%d", self.host, self.port)

    async def close(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
