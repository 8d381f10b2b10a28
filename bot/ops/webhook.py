"""Webhook mode: an aiohttp server for Telegram's updates, /healthz, /metrics and the features'
web pages (the password check page).

aiohttp rather than PTB's own webhook server: it is already a dependency (PTB's needs
tornado), it serves the health and metrics routes on the same port, and it lets us answer
Telegram only once an update has been handled. PTB's server queues the update and answers 200
at once, so an instance killed with updates in its queue loses them; here Telegram gets no
200 for an update that was not handled, and redelivers it (to another instance, through the
load balancer). The secret is compared in constant time, before the body is read.

Stopping (SIGTERM): stop accepting connections and answer 503 to requests on open ones (the
balancer and Telegram try again elsewhere), finish the updates in flight, then stop the
application, whose shutdown stops the leader-only work and releases the leader locks.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import signal
from urllib.parse import urlsplit

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from telegram import Update

from bot.config import Settings
from bot.ops import health
from bot.ops.metrics import Metrics, metrics_of
from bot.runtime import EsignApplication

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
# Telegram's largest updates (a 4096-character message quoting another, with entities) are
# tens of kilobytes; anything near a megabyte is not from Telegram.
MAX_BODY = 1024 * 1024
# SIGTERM: how long updates in flight may take to finish (systemd waits 90 s by default).
DRAIN_TIMEOUT = 25.0
RETRY_AFTER = "1"


class ListenError(Exception):
    """The server cannot listen where it was told (a port in use, a foreign address)."""


class WebhookServer:
    def __init__(
        self,
        application: EsignApplication,
        *,
        secret: str,
        path: str,
        host: str,
        port: int,
    ) -> None:
        self.application = application
        self._secret = secret.encode()
        self.path = path or "/"
        self.host = host
        self.port = port
        # Listening starts first, so a taken port fails the start at once; updates are
        # answered 503 (try elsewhere) until the application is started.
        self.accepting = False
        self.registered = False
        self.draining = False
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        metrics = metrics_of(application.deps)
        self.metrics = metrics if metrics is not None else Metrics()

    # ---- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(self.path, self._on_update)
        app.router.add_get("/healthz", self._on_health)
        app.router.add_get("/metrics", self._on_metrics)
        app.add_routes(self.application.deps.web_routes())  # the password check page
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await self._site.start()
        except OSError as exc:
            await self._runner.cleanup()
            raise ListenError(f"cannot listen on {self.host}:{self.port}: {exc.strerror}") from None
        server = self._site._server
        if isinstance(server, asyncio.Server) and server.sockets:
            self.port = server.sockets[0].getsockname()[1]

    def accept(self) -> None:
        """The application is started: handle updates from now on."""
        self.accepting = True

    async def register(self, url: str) -> None:
        """Tell Telegram where to send updates. Every instance registers the same URL."""
        await self.application.bot.set_webhook(
            url, secret_token=self._secret.decode(), drop_pending_updates=False
        )
        self.registered = True

    async def drain(self, within: float = DRAIN_TIMEOUT) -> None:
        """Take no more updates; wait for those in flight."""
        self.draining = True
        if self._site is not None:
            await self._site.stop()  # closes the listening socket: the balancer moves on
            self._site = None
        try:
            async with asyncio.timeout(within):
                await self._idle.wait()
        except TimeoutError:
            log.warning(
                "%d update(s) still in flight after %.0f s; stopping", self._in_flight, within
            )

    async def close(self) -> None:
        self.accepting = False
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    # ---- routes ------------------------------------------------------------------------------

    async def _on_update(self, request: web.Request) -> web.Response:
        # Header bytes that are not UTF-8 arrive surrogate-escaped; encode them back as sent.
        supplied = request.headers.get(SECRET_HEADER, "").encode(errors="surrogateescape")
        if not hmac.compare_digest(supplied, self._secret):
            return web.Response(status=403)
        if self.draining or not self.accepting:
            return web.Response(status=503, headers={"Retry-After": RETRY_AFTER})
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.Response(status=413)
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413)
        update = self._parse(body)
        if update is None:
            return web.Response(status=400)
        return await self._handle(update)

    def _parse(self, body: bytes) -> Update | None:
        try:
            data = json.loads(body)
        except ValueError:  # UnicodeDecodeError included
            log.warning("webhook: a body that is not JSON")
            return None
        except RecursionError:  # "[[[[…" nested deeper than the parser's stack allows
            log.warning("webhook: JSON nested too deeply")
            return None
        if not isinstance(data, dict) or type(data.get("update_id")) is not int:
            log.warning("webhook: JSON that is not an update")
            return None
        try:
            return Update.de_json(data, self.application.bot)
        except Exception as exc:  # whatever PTB makes of a malformed update: refuse it
            log.warning("webhook: update %s malformed: %s", data["update_id"], type(exc).__name__)
            return None

    async def _handle(self, update: Update) -> web.Response:
        app = self.application
        self._in_flight += 1
        self._idle.clear()
        self.metrics.in_flight.inc()
        try:
            # Through the update processor: per-chat order, de-duplication, the chat lock.
            await app.update_processor.process_update(update, app.process_update(update))
        except Exception:
            # Handler errors never get here (the error handler has them); this is the guard
            # failing (database down, chat lock timed out). No 200: Telegram retries.
            log.exception("update %d not handled; Telegram will redeliver it", update.update_id)
            return web.Response(status=503, headers={"Retry-After": RETRY_AFTER})
        finally:
            self._in_flight -= 1
            self.metrics.in_flight.dec()
            if not self._in_flight:
                self._idle.set()
        return web.Response(status=200)

    async def _on_health(self, request: web.Request) -> web.Response:
        report = await health.check(
            self.application.deps,
            bot_ready=self.accepting and self.registered and self.application.running,
            draining=self.draining,
        )
        return web.json_response(report.to_json(), status=200 if report.ok else 503)

    async def _on_metrics(self, request: web.Request) -> web.Response:
        await self.metrics.refresh(self.application.deps)
        return web.Response(
            body=self.metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )


async def serve(application: EsignApplication, settings: Settings) -> None:
    """`esign-bot run` with WEBHOOK_URL: run until SIGTERM or SIGINT, then stop gracefully."""
    assert settings.webhook_url is not None
    assert settings.webhook_secret is not None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    server = WebhookServer(
        application,
        secret=settings.webhook_secret.get_secret_value(),
        path=urlsplit(settings.webhook_url).path,
        host=settings.webhook_listen,
        port=settings.webhook_port,
    )
    await server.start()  # a taken port stops the start here, before Telegram is touched
    try:
        await application.initialize()
        await application.start()
        server.accept()
        await server.register(settings.webhook_url)
        log.info("webhook mode: listening on %s:%d%s", server.host, server.port, server.path)
        await stop.wait()
        log.info("stopping: taking no more updates, finishing those in flight")
        await server.drain()
    finally:
        await server.close()
        if application.running:
            await application.stop()
        # Stops the features' background work; the leaders release their locks.
        await application.shutdown()  # a no-op for PTB when it never initialized
        # Not for the bot's transports, opened before getMe refused the token: closed here.
        await application.bot.shutdown()  # a no-op once closed
        for sig in signals:
            with contextlib.suppress(ValueError):
                loop.remove_signal_handler(sig)
        log.info("stopped")
