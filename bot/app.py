"""build_application(settings): the single composition root."""

from __future__ import annotations

import logging
import ssl
from collections.abc import Sequence
from functools import cache
from typing import Any

import httpx
from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import ApplicationBuilder, ContextTypes, Defaults
from telegram.request import HTTPXRequest

from bot import content
from bot.broadcasts import handlers as broadcasts
from bot.config import Settings
from bot.core import fallbacks
from bot.core import handlers as core
from bot.db import migrate
from bot.db.engine import create_engine, create_sessionmaker
from bot.groups import handlers as groups
from bot.guidance import handlers as guidance
from bot.i18n import LANGS, Texts
from bot.inline import handlers as inline
from bot.insights import handlers as insights
from bot.ops.errors import on_error
from bot.ops.flood import FloodCounts
from bot.ops.housekeeping import Housekeeping
from bot.ops.metrics import Metrics, count_error
from bot.ops.outbox import outbox_hooks
from bot.ops.pages import PageServer
from bot.ops.sender import Outgoing, build_outgoing
from bot.ops.transport import AiohttpRequest
from bot.ops.updates import GuardedUpdateProcessor, UpdateGuard
from bot.passwords import handlers as passwords
from bot.revocations import handlers as revocations
from bot.runtime import BotContext, Deps, EsignApplication, Feature, ScreenAnswerer, ScreenTaker
from bot.signatures import handlers as signatures

log = logging.getLogger(__name__)

# Handler order is priority order: the first feature whose handler matches an update wins.
# The fallbacks come last and answer whatever no feature took.
FEATURES: Sequence[Feature] = (
    core.feature,
    guidance.feature,
    inline.feature,
    signatures.feature,
    revocations.feature,
    broadcasts.feature,
    passwords.feature,
    groups.feature,
    insights.feature,
    fallbacks.feature,
)

FIRST_OBSERVER_GROUP = 1
# Screens look at every update before the pre-update step (group -1: flood control), one PTB
# handler group each.
FIRST_SCREEN_GROUP = -100
MAX_CONCURRENT_UPDATES = 64
REQUEST_POOL_SIZE = 64
GET_UPDATES_POOL_SIZE = 1  # one long poll at a time, as PTB's default


@cache
def _tls_context() -> ssl.SSLContext:
    # The context httpx would build for each client (certifi's CA bundle, or SSL_CERT_FILE),
    # built once: loading the bundle costs more than the rest of a client, and every
    # Application has two (the test suite starts hundreds).
    return httpx.create_ssl_context()


def _request(pool_size: int) -> AiohttpRequest:
    """aiohttp for every request but an upload (bot/ops/transport.py: a fraction of httpx's
    CPU per request), httpx for those."""
    tls = _tls_context()
    files = HTTPXRequest(connection_pool_size=pool_size, httpx_kwargs={"verify": tls})
    # PTB's default timeouts (httpx's): 5 s to connect, 5 s to read.
    return AiohttpRequest(connection_limit=pool_size, read_timeout=5.0, tls=tls, files=files)


def build_deps(settings: Settings, features: Sequence[Feature] = FEATURES) -> Deps:
    content.use(settings.content_dir)
    engine = create_engine(settings.resolved_database_url())
    deps = Deps(
        settings=settings,
        engine=engine,
        sessionmaker=create_sessionmaker(engine),
        texts=Texts.shared(settings.content_dir),
        features=features,
    )
    for feature in features:
        if feature.background.setup is not None:
            feature.background.setup(deps)
    return deps


def build_application(
    settings: Settings, *, features: Sequence[Feature] = FEATURES, deps: Deps | None = None
) -> EsignApplication:
    """Wire the bot: handlers in order, HTML by default, the one outgoing path (a send budget
    shared by the instances, in lanes), per-update sessions."""
    deps = deps or build_deps(settings, features)
    metrics = deps.services.get(Metrics)
    if not isinstance(metrics, Metrics):
        metrics = Metrics([probe for f in deps.features for probe in f.ops.probes])
        deps.provide(metrics)
    # De-duplication and the cross-instance chat lock wrap every update (bot/ops/updates.py).
    guard = UpdateGuard(deps.engine)
    # SQLite: one instance, so flood counts stay in its memory (bot/ops/flood.py).
    deps.provide(FloodCounts(local=deps.engine.dialect.name == "sqlite"))
    housekeeping = Housekeeping(deps, guard)
    deps.provide(housekeeping)
    outgoing = deps.services.get(Outgoing)
    if not isinstance(outgoing, Outgoing):
        outgoing = build_outgoing(
            dialect=deps.engine.dialect.name,
            engine=deps.engine,
            token=settings.token if not settings.demo_mode else "0:demo",
            base_url=settings.bot_api_base_url,
            file_url=settings.bot_api_file_url,
            rate=settings.send_rate,
            broadcast_rate=settings.broadcast_rate,
            metrics=metrics,
        )
        deps.provide(outgoing)
    builder: Any = (
        ApplicationBuilder()
        .application_class(EsignApplication, kwargs={"deps": deps})
        .token(settings.token if not settings.demo_mode else "0:demo")
        .base_url(settings.bot_api_base_url)
        .base_file_url(settings.bot_api_file_url)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
            )
        )
        .context_types(ContextTypes(context=BotContext))
        .rate_limiter(outgoing.limiter)
        .concurrent_updates(
            GuardedUpdateProcessor(guard.concurrency(MAX_CONCURRENT_UPDATES), guard, metrics)
        )
        .request(_request(REQUEST_POOL_SIZE))
        .get_updates_request(_request(GET_UPDATES_POOL_SIZE))
    )
    application: EsignApplication = builder.build()
    outgoing.bot = application.bot
    application.add_handler(core.PRE_UPDATE, group=-1)
    for index, feature in enumerate(features):
        screen = feature.telegram.screen
        if screen is not None:
            taker = ScreenTaker(feature.name, screen)
            application.add_handler(taker, group=FIRST_SCREEN_GROUP + index)
            # Before every feature's handlers: what a screen took gets its answer, no other.
            application.add_handler(ScreenAnswerer(feature.name, screen))
    for index, feature in enumerate(features):
        for handler in feature.handlers:
            application.add_handler(handler)
        # PTB runs one handler per group: each feature's observers get a group of their own,
        # so one feature's observer never hides another's.
        for observer in feature.telegram.observers:
            application.add_handler(observer, group=FIRST_OBSERVER_GROUP + index)
    redirects = core.group_redirects(deps)
    if redirects is not None:
        application.add_handler(redirects)
    application.add_error_handler(on_error)
    application.add_error_handler(count_error)
    application.on_initialize.append(_start_up)
    # After _start_up: the tables it purges exist by then. Leader only, like the other jobs.
    start_housekeeping, stop_housekeeping = housekeeping.hooks()

    # The CLI's messages (a decision for a requester) wait in the database for the leader.
    start_outbox, stop_outbox = outbox_hooks()

    async def stop_ops(application: EsignApplication) -> None:
        await stop_outbox(application)
        await stop_housekeeping(application)
        await guard.close()

    application.on_initialize.append(start_housekeeping)
    application.on_initialize.append(start_outbox)
    application.on_shutdown.append(stop_ops)
    web_routes = deps.web_routes()
    if web_routes and not settings.webhook_url:
        # Polling mode (and the terminal chat): the pages get a server of their own; in
        # webhook mode the webhook server serves them.
        pages = PageServer(web_routes, host=settings.webapp_listen, port=settings.webapp_port)
        deps.provide(pages)

        async def start_pages(_: EsignApplication) -> None:
            await pages.start()

        async def stop_pages(_: EsignApplication) -> None:
            await pages.close()

        application.on_initialize.append(start_pages)
        application.on_shutdown.append(stop_pages)
    application.on_shutdown.append(_dispose)
    return application


async def _start_up(application: EsignApplication) -> None:
    deps = application.deps
    if deps.settings.auto_migrate:
        await migrate.upgrade(deps.engine)
    await register_commands(application, deps)
    for feature in deps.features:
        if feature.background.on_startup is not None:
            await feature.background.on_startup(application)


async def _dispose(application: EsignApplication) -> None:
    for feature in reversed(application.deps.features):
        if feature.background.on_shutdown is not None:
            await feature.background.on_shutdown(application)
    outgoing = application.deps.services.get(Outgoing)
    if isinstance(outgoing, Outgoing):
        await outgoing.close()
    await application.deps.engine.dispose()


async def register_commands(application: EsignApplication, deps: Deps) -> None:
    """The command menu per language; operators additionally see their commands."""
    public = [(f.name, c) for f in deps.features for c in f.telegram.commands]
    operator = [(f.name, c) for f in deps.features for c in f.telegram.operator_commands]
    bot = application.bot
    for lang in (None, *LANGS):
        texts_lang = lang or "en"
        commands = [
            BotCommand(cmd, deps.texts.get(texts_lang, f"{feature}.commands.{cmd}"))
            for feature, cmd in public
        ]
        await bot.set_my_commands(commands, scope=BotCommandScopeDefault(), language_code=lang)
        if operator:
            extra = [
                BotCommand(cmd, deps.texts.get(texts_lang, f"{feature}.commands.{cmd}"))
                for feature, cmd in operator
            ]
            for operator_id in deps.settings.operator_ids:
                await bot.set_my_commands(
                    commands + extra, scope=BotCommandScopeChat(operator_id), language_code=lang
                )
