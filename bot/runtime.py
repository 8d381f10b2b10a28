"""The PTB glue every handler sees: the application, its dependencies, the callback context."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram import Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    BaseHandler,
    BaseUpdateProcessor,
    CallbackContext,
    ExtBot,
)

from bot.clikit import CommandGroups
from bot.config import Settings
from bot.db.dialogs import Pending
from bot.db.scope import (
    UpdateScope,
    current_claim,
    current_scope,
    enter_scope,
    leave_scope,
    write_all,
)
from bot.db.transaction import in_one_go
from bot.i18n import DEFAULT_LANG, Lang, Texts, language_from_code

if TYPE_CHECKING:
    from bot.ops.metrics import Metrics

T = TypeVar("T")

StepCallback = Callable[[Update, "BotContext", Pending], Awaitable[None]]
UpdateCallback = Callable[[Update, "BotContext"], Awaitable[None]]
# Forget what is past its retention; returns how many rows went.
Purge = Callable[["Deps"], Awaitable[int]]
# BotContext.t: a text key and its parameters → Telegram HTML.
Translate = Callable[..., str]
# A feature's lines in /stats, read in the update's session.
StatsSection = Callable[[AsyncSession, Translate], Awaitable[list[str]]]
# Reads what /metrics shows into the instance's gauges.
Probe = Callable[["Deps", "Metrics"], Awaitable[None]]


@dataclass(frozen=True)
class Step:
    """A pending step a feature owns: what to do with the next message, and with a late one."""

    handle: StepCallback
    on_expired: StepCallback | None = None
    # A message that is not text (photo, voice, sticker…) while the step is pending.
    on_other: StepCallback | None = None
    # The step takes text written for others (a warning to broadcast, a reason for a citizen),
    # which may quote a weak password as an example: screens leave its messages alone.
    takes_prose: bool = False


@dataclass(frozen=True)
class Screen:
    """A feature's first look at every update, before flood control and every handler.

    `take` runs for every update, a flood-muted user's too: it removes what must not stay in a
    chat (a password sent outside the check) and returns a note saying what it did, or None
    when the update is not its business. The update is still counted by flood control; if it
    is let through, `answer` (given the note) replaces every other handler for it.
    """

    take: Callable[[Update, BotContext], Awaitable[object | None]]
    answer: Callable[[Update, BotContext, object], Awaitable[None]]


@dataclass(frozen=True)
class MenuItem:
    text_key: str
    callback_data: str = ""
    private_only: bool = False
    # A Mini App button instead of a callback: the page's address for this user, or None to
    # leave the item out (e.g. no page configured). Telegram allows these in private chats only.
    web_app: Callable[[BotContext], str | None] | None = None


@dataclass(frozen=True)
class EntryPoint:
    """A place in a feature that other features may send a person to, looked up by name.

    `callback_data` opens it from a button in a private chat; parameters (an id) follow it
    after colons (`data(42)`). `start_payload`, when set, opens it through a t.me deep link
    from a group (the publishing feature's `deep_links` answers that payload).
    """

    callback_data: str
    start_payload: str | None = None

    def data(self, *params: object) -> str:
        return ":".join([self.callback_data, *(str(p) for p in params)])


@dataclass(frozen=True)
class Links:
    """How features link to each other without importing each other: by entry point names.

    A feature publishes names starting with its own name ("signatures.status"). A name in
    `needs` must be published by some feature or the bot does not start; a name in `may_use`
    is linked to only when published (a topic's "check a password" button, say).
    """

    publishes: Mapping[str, EntryPoint] = field(default_factory=dict)
    needs: Sequence[str] = ()
    may_use: Sequence[str] = ()


@dataclass(frozen=True)
class TelegramParts:
    """What a feature adds to the conversation, besides its ordinary handlers."""

    # Handlers that see updates in addition to whichever handler answers them, e.g. several
    # features reacting to the bot being added to a chat. app.py gives each feature's
    # observers a PTB handler group of their own, so one feature's never hides another's.
    observers: Sequence[BaseHandler[Any, Any, Any]] = ()
    # The command menu, per language (texts `<feature>.commands.<command>`).
    commands: Sequence[str] = ()
    operator_commands: Sequence[str] = ()
    menu: Sequence[MenuItem] = ()
    steps: Mapping[str, Step] = field(default_factory=dict)
    # /start payloads (t.me/<bot>?start=<payload>) the feature answers.
    deep_links: Mapping[str, UpdateCallback] = field(default_factory=dict)
    text_fallback: UpdateCallback | None = None
    # Run on /start in a private chat, before the welcome (e.g. subscribe to warnings).
    start_hooks: Sequence[UpdateCallback] = ()
    screen: Screen | None = None
    # Web pages the feature serves (the password check page): on the webhook server's port in
    # webhook mode, else on WEBAPP_LISTEN:WEBAPP_PORT.
    web_routes: Callable[[Deps], Sequence[web.RouteDef]] | None = None


@dataclass(frozen=True)
class Background:
    """What a feature builds at start and keeps running."""

    # Build long-lived services once (matchers, clients) and put them in deps.
    setup: Callable[[Deps], None] | None = None
    # Background work started after migrations (dispatchers, scheduled jobs) and stopped
    # before the engine is disposed.
    on_startup: Callable[[EsignApplication], Awaitable[None]] | None = None
    on_shutdown: Callable[[EsignApplication], Awaitable[None]] | None = None
    # Run by the periodic housekeeping (bot/ops/housekeeping.py), on the leader only.
    housekeeping: Sequence[Purge] = ()


@dataclass(frozen=True)
class Ops:
    """What a feature gives the people who run the bot."""

    # Adds the feature's `esign-bot` subcommands (bot/clikit.py has what they share).
    cli: Callable[[CommandGroups], None] | None = None
    # Prepares the terminal chat's demo world (e.g. loads the sample registry); demo only.
    demo: Callable[[Settings], Coroutine[Any, Any, None]] | None = None
    # `esign-bot content check`: problems with the feature's files in a content directory.
    content_checks: Sequence[Callable[[Path], list[str]]] = ()
    # /healthz: checks of the feature's own machinery by name (True: fit to serve), e.g. the
    # password workers. A check may repair what it finds broken before it answers.
    health_checks: Mapping[str, Callable[[Deps], Awaitable[bool]]] = field(default_factory=dict)
    # /metrics: read at scrape time into the gauges of bot/ops/metrics.py.
    probes: Sequence[Probe] = ()
    # /stats: the feature's detailed lines after the charts, in the operator's language.
    stats: Sequence[StatsSection] = ()


@dataclass(frozen=True)
class Feature:
    """Everything a feature plugs into the bot; app.py lists features in handler order.

    Features meet only through these fields: nothing below a feature (db, config, i18n, this
    module, ops, core, the CLI's entry module) imports one.
    """

    name: str
    # Tried in FEATURES order: the first feature whose handler matches an update answers it.
    handlers: Sequence[BaseHandler[Any, Any, Any]] = ()
    telegram: TelegramParts = TelegramParts()
    background: Background = Background()
    ops: Ops = Ops()
    links: Links = Links()


class LinkError(ValueError):
    """A feature links to an entry point no feature publishes, or two publish one name."""


def check_links(features: Sequence[Feature]) -> dict[str, EntryPoint]:
    """Every published entry point by name; LinkError names the first broken link."""
    published: dict[str, EntryPoint] = {}
    for feature in features:
        for name, entry in feature.links.publishes.items():
            if not name.startswith(f"{feature.name}."):
                raise LinkError(f"{feature.name} publishes {name!r}: names start with its own")
            if name in published:
                raise LinkError(f"{name!r} is published twice")
            published[name] = entry
    for feature in features:
        for name in feature.links.needs:
            if name not in published:
                raise LinkError(f"{feature.name} needs {name!r}, which no feature publishes")
    return published


@dataclass
class Deps:
    """Objects built once at start and shared by every update."""

    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    texts: Texts
    features: Sequence[Feature]
    services: dict[type, object] = field(default_factory=dict)
    entry_points: Mapping[str, EntryPoint] = field(init=False)

    def __post_init__(self) -> None:
        self.entry_points = check_links(self.features)

    def provide(self, service: object) -> None:
        self.services[type(service)] = service

    def get(self, kind: type[T]) -> T:
        service = self.services[kind]
        assert isinstance(service, kind)
        return service

    def entry_point(self, name: str) -> EntryPoint | None:
        """A published entry point, or None when its feature is not in this bot (only names
        in the asking feature's `Links.may_use` may be missing: `needs` are checked at start)."""
        return self.entry_points.get(name)

    @property
    def steps(self) -> dict[str, Step]:
        return {name: step for f in self.features for name, step in f.telegram.steps.items()}

    @property
    def menu(self) -> list[MenuItem]:
        return [item for f in self.features for item in f.telegram.menu]

    @property
    def text_fallback(self) -> UpdateCallback | None:
        return next(
            (f.telegram.text_fallback for f in self.features if f.telegram.text_fallback), None
        )

    def web_routes(self) -> list[web.RouteDef]:
        return [
            route
            for f in self.features
            if f.telegram.web_routes
            for route in f.telegram.web_routes(self)
        ]

    def deep_link(self, payload: str) -> UpdateCallback | None:
        return next(
            (
                f.telegram.deep_links[payload]
                for f in self.features
                if payload in f.telegram.deep_links
            ),
            None,
        )


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with the update's session, the user's language and text lookup."""

    @property
    def deps(self) -> Deps:
        app = self.application
        assert isinstance(app, EsignApplication)
        return app.deps

    @property
    def session(self) -> AsyncSession:
        return current_scope().session

    @property
    def lang(self) -> Lang:
        try:
            lang = current_scope().lang
        except RuntimeError:
            lang = None
        return lang or DEFAULT_LANG  # type: ignore[return-value]

    def set_lang(self, lang: Lang) -> None:
        current_scope().lang = lang

    def t(self, key: str, **params: object) -> str:
        return self.deps.texts.get(self.lang, key, **params)

    def is_operator(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.deps.settings.operator_ids


class EsignApplication(Application[Any, Any, Any, Any, Any, Any]):
    """Opens an UpdateScope around each update so handlers share one session and language."""

    def __init__(self, *, deps: Deps, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.deps = deps
        # Told when an update is fully handled: lets the harness wait exactly, not by sleeping.
        self.update_observers: list[Callable[[object], None]] = []
        # PTB calls post_init only from run_polling/run_webhook; these run on every initialize,
        # so the harness and the real run start up the same way.
        self.on_initialize: list[Callable[[EsignApplication], Awaitable[None]]] = []
        self.on_shutdown: list[Callable[[EsignApplication], Awaitable[None]]] = []

    async def initialize(self) -> None:
        await super().initialize()
        for hook in self.on_initialize:
            await hook(self)
        freeze_start_up_heap()

    async def shutdown(self) -> None:
        try:
            await super().shutdown()
        finally:
            for hook in self.on_shutdown:
                await hook(self)

    async def process_update(self, update: object) -> None:
        scope = UpdateScope(self.deps.sessionmaker)
        if isinstance(update, Update) and update.effective_user:
            scope.lang = language_from_code(update.effective_user.language_code)
        token = enter_scope(scope)
        try:
            try:
                await super().process_update(update)
            finally:
                await scope.close()
                leave_scope(token)
            await self._finish(update, scope)
        finally:
            for observer in self.update_observers:
                observer(update)

    async def _finish(self, update: object, scope: UpdateScope) -> None:
        """Write the update's bookkeeping: with its record when the update guard holds it
        (bot/ops/updates.py), else in a transaction of its own."""
        claim = current_claim()
        if claim is not None and isinstance(update, Update) and claim.update_id == update.update_id:
            await claim.finish(scope.deferred)
        elif scope.deferred:
            await in_one_go(self.deps.engine, lambda conn: write_all(conn, scope.deferred))


_heap_frozen = False


def freeze_start_up_heap() -> None:
    """Start-up builds a heap that lives as long as the process (topics, the matcher's index,
    the password dictionaries: some 300,000 objects). Every full pass of Python's cycle
    collector walked all of it, about 0.1 s of CPU while updates waited. Collected once and
    frozen, it is left out of those passes. Once per process (tests start many applications)."""
    global _heap_frozen
    if not _heap_frozen:
        _heap_frozen = True
        gc.collect()
        gc.freeze()


class ScreenTaker(BaseHandler[Update, BotContext, None]):
    """Runs a feature's `Screen.take` for every update and keeps its note for the answer."""

    def __init__(self, feature: str, screen: Screen) -> None:
        super().__init__(self._take, block=True)
        self.feature, self.screen = feature, screen

    def check_update(self, update: object) -> bool:
        return isinstance(update, Update)

    async def _take(self, update: Update, context: BotContext) -> None:
        note = await self.screen.take(update, context)
        scope = current_scope()
        if note is not None and scope.screened is None:
            scope.screened = (self.feature, note)


class ScreenAnswerer(BaseHandler[Update, BotContext, None]):
    """First of the ordinary handlers: answers an update a screen took, and nothing else does."""

    def __init__(self, feature: str, screen: Screen) -> None:
        super().__init__(self._answer, block=True)
        self.feature, self.screen = feature, screen

    def check_update(self, update: object) -> bool:
        if not isinstance(update, Update):
            return False
        screened = current_scope().screened
        return screened is not None and screened[0] == self.feature

    async def _answer(self, update: Update, context: BotContext) -> None:
        screened = current_scope().screened
        assert screened is not None
        await self.screen.answer(update, context, screened[1])
        raise ApplicationHandlerStop  # observers must not see what was taken away either


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across chats, in order within a chat.

    A user's second message must see the dialog state their first one left, so updates of one
    chat run one after another while different chats run side by side.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key]
                del self._locks[key]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def chat_key(update: object) -> int | None:
    """The chat whose dialog state an update may touch (its user's, when it has no chat)."""
    if isinstance(update, Update):
        if update.effective_chat:
            return update.effective_chat.id
        if update.effective_user:
            return update.effective_user.id
    return None
