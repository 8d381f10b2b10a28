"""Prometheus metrics of one instance: updates, handling time, errors, messages sent, 429s.

Each Application gets a registry of its own (tests run several in one process). Labels are
update types, Bot API methods, exception types and campaign numbers: never a user or chat id,
never text. Gauges that describe the whole cluster (broadcast progress, open requests) are read
from the database when /metrics is scraped, by the probes the features bring (Feature.ops).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from telegram import Update

from bot.runtime import BotContext, Deps, Probe

log = logging.getLogger(__name__)

# The *_created series (when each counter was made) only add noise to every scrape.
disable_created_metrics()  # type: ignore[no-untyped-call]  # (untyped upstream)


PROBE_TIMEOUT = 3.0  # a slow database must not hang the scrape
# Handling time of an update: most take milliseconds; a reply held by Telegram's rate limit
# (or a 429) takes seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# The Update fields Telegram fills one of; anything else is counted as "other".
UPDATE_TYPES = (
    "message",
    "edited_message",
    "callback_query",
    "my_chat_member",
    "chat_member",
    "channel_post",
    "edited_channel_post",
    "inline_query",
    "chosen_inline_result",
    "chat_join_request",
    "poll",
    "poll_answer",
    "message_reaction",
    "pre_checkout_query",
    "shipping_query",
)


def update_type(update: object) -> str:
    if not isinstance(update, Update):
        return "other"
    return next((name for name in UPDATE_TYPES if getattr(update, name, None) is not None), "other")


class Metrics:
    def __init__(self, probes: Sequence[Probe] = ()) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.probes = tuple(probes)
        self.updates = Counter(
            "esign_updates", "Updates received, by Telegram update type", ["type"], registry=r
        )
        self.dropped = Counter(
            "esign_updates_dropped",
            "Updates not handled: a repeated delivery (duplicate) or flood control (flood)",
            ["reason"],
            registry=r,
        )
        self.handling = Histogram(
            "esign_update_handling_seconds",
            "Time from the first handler to the last for one update, by update type",
            ["type"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.errors = Counter(
            "esign_errors",
            "Errors that reached the error handler, by exception type",
            ["error"],
            registry=r,
        )
        self.sent = Counter(
            "esign_messages_sent",
            "Messages sent (replies, notices and broadcasts), by Bot API method",
            ["method"],
            registry=r,
        )
        self.send_wait = Histogram(
            "esign_send_wait_seconds",
            "Time a Bot API call waited for its slot of the send budget, by lane",
            ["lane"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.rate_limited = Counter(
            "esign_telegram_rate_limited", "429 Too Many Requests answers from Telegram", registry=r
        )
        self.in_flight = Gauge(
            "esign_webhook_requests_in_flight", "Webhook requests being handled now", registry=r
        )
        self.broadcast_leader = Gauge(
            "esign_broadcast_leader", "1 on the instance that sends broadcasts, else 0", registry=r
        )
        self.broadcast_deliveries = Gauge(
            "esign_broadcast_deliveries",
            "Deliveries of running and paused broadcasts, by campaign number and state",
            ["campaign", "state"],
            registry=r,
        )
        self.open_requests = Gauge(
            "esign_revocation_requests_open",
            "Revocation requests waiting for an operator's decision",
            registry=r,
        )
        self.password_restarts = Counter(
            "esign_password_pool_restarts",
            "Times the password workers were restarted after one of them died",
            registry=r,
        )
        self.password_restarts_seen = 0
        self.password_pool_broken = Gauge(
            "esign_password_pool_broken",
            "1 while a password worker has died and the pool is not yet restarted, else 0",
            registry=r,
        )
        self.probe_failures = Counter(
            "esign_metrics_probe_failures",
            "Database reads for /metrics that failed or timed out",
            ["probe"],
            registry=r,
        )

    @contextmanager
    def timed(self, kind: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.handling.labels(kind).observe(time.perf_counter() - started)

    async def refresh(self, deps: Deps) -> None:
        """Read the cluster-wide gauges; a failing probe keeps its last values and is counted."""
        for probe in self.probes:
            name = getattr(probe, "__name__", "probe")
            try:
                async with asyncio.timeout(PROBE_TIMEOUT):
                    await probe(deps, self)
            except Exception as exc:  # a scrape must answer even when the database does not
                log.warning("metrics probe %s failed: %s", name, type(exc).__name__)
                self.probe_failures.labels(name).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


def metrics_of(deps: Deps) -> Metrics | None:
    found = deps.services.get(Metrics)
    return found if isinstance(found, Metrics) else None


async def count_error(update: object, context: BotContext) -> None:
    """A second error handler next to the one that logs and apologises: it only counts."""
    metrics = metrics_of(context.deps)
    if metrics is not None and context.error is not None:
        metrics.errors.labels(type(context.error).__name__).inc()
