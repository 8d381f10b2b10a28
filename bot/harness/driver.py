"""Drive the real Application as Telegram users would, and await exactly what it did."""

from __future__ import annotations

import asyncio
import itertools
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from telegram import Update

from bot.app import FEATURES, build_application
from bot.config import Settings, load_settings
from bot.harness.records import ChatRecord, Event, FakeAccount, MessageRecord
from bot.harness.server import BOT_ID, BOT_USERNAME, FakeBotApi
from bot.ops.webhook import WebhookServer
from bot.runtime import EsignApplication, Feature

Mode = Literal["polling", "webhook", "external"]
WEBHOOK_PATH = "/telegram/webhook"
HARNESS_TOKEN = "7000000001:HARNESS-token-not-secret"  # noqa: S105 (a fake, by design)
DEFAULT_TIMEOUT = 10.0


@dataclass
class Exchange:
    """What the bot did in reply to one update."""

    update_id: int
    messages: list[MessageRecord] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    _records: dict[tuple[int, int], MessageRecord] = field(default_factory=dict, repr=False)

    @property
    def texts(self) -> list[str]:
        return [m.text or m.caption or "" for m in self.messages]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    @property
    def last(self) -> MessageRecord:
        if not self.messages:
            raise AssertionError("the bot sent no message")
        return self.messages[-1]

    @property
    def edited(self) -> list[MessageRecord]:
        """Bot messages edited in reply (as they are now)."""
        return [self._records[(e.chat_id, e.message_id)] for e in self.events if e.kind == "edited"]  # type: ignore[index]

    def kinds(self) -> list[str]:
        return [e.kind for e in self.events]

    @property
    def photos(self) -> list[MessageRecord]:
        return [m for m in self.messages if m.photo is not None]


@dataclass
class InlineAnswer:
    """The bot's answer to one inline query, as the fake Bot API accepted it."""

    query_id: str
    query: str
    results: list[dict[str, Any]]
    cache_time: int
    is_personal: bool
    button: dict[str, Any] | None
    exchange: Exchange

    @property
    def ids(self) -> list[str]:
        return [str(r["id"]) for r in self.results]

    def result(self, result_id: str) -> dict[str, Any]:
        for result in self.results:
            if result["id"] == result_id:
                return result
        raise AssertionError(f"no result {result_id!r} among {self.ids}")


class BotHarness:
    """The fake Bot API plus the real Application, in this event loop.

    `mode` is how updates reach the bot: "polling" (getUpdates), "webhook" (the fake Bot API
    POSTs them to the bot's webhook server, bot/ops/webhook.py, as Telegram does), or
    "external" (no Application here: bot processes started elsewhere set the webhook, e.g.
    behind nginx, and an update counts as handled when its delivery is answered with 2xx).
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        features: Sequence[Feature] = FEATURES,
        global_rate: float = 30.0,
        group_rate: float = 20.0,
        mode: Mode = "polling",
        **overrides: Any,
    ) -> None:
        self.api = FakeBotApi(token=HARNESS_TOKEN, global_rate=global_rate, group_rate=group_rate)
        self.mode = mode
        self.webhook_server: WebhookServer | None = None
        self._settings = settings
        self._overrides = overrides
        self._features = features
        self._ids = itertools.count(100_001)
        self._group_ids = itertools.count(1)
        self._processed: dict[int, asyncio.Event] = {}
        self.app: EsignApplication | None = None

    @property
    def application(self) -> EsignApplication:
        assert self.app is not None, "use `async with BotHarness(...)`"
        return self.app

    async def __aenter__(self) -> BotHarness:
        await self.api.start()
        if self.mode == "external":
            return self
        settings = self._settings or load_settings(**self._overrides)
        settings = settings.model_copy(
            update={
                "bot_token": _secret(HARNESS_TOKEN),
                "bot_api_base_url": self.api.base_url,
                "bot_api_file_url": self.api.file_url,
            }
        )
        self.settings = settings
        self.app = build_application(settings, features=self._features)
        self.app.update_observers.append(self._on_processed)
        await self.app.initialize()
        await self.app.start()
        if self.mode == "webhook":
            # The same server and registration as `esign-bot run` with WEBHOOK_URL.
            secret = secrets.token_urlsafe(24)
            server = WebhookServer(
                self.app, secret=secret, path=WEBHOOK_PATH, host="127.0.0.1", port=0
            )
            self.webhook_server = server
            await server.start()
            server.accept()
            await server.register(f"http://127.0.0.1:{server.port}{WEBHOOK_PATH}")
            return self
        assert self.app.updater is not None
        await self.app.updater.start_polling(
            poll_interval=0.0, timeout=5, drop_pending_updates=False
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def stop(self) -> None:
        app, self.app = self.app, None
        server, self.webhook_server = self.webhook_server, None
        if server is not None:
            await server.drain()
            await server.close()
        if app is not None:
            assert app.updater is not None
            # Wake the long poll first so the updater stops at once.
            self.api._closing = True
            self.api._new_update.set()
            if app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
            await app.shutdown()
        await self.api.stop()

    def _on_processed(self, update: object) -> None:
        if isinstance(update, Update):
            self._processed.setdefault(update.update_id, asyncio.Event()).set()

    # ---- people and chats ------------------------------------------------------------------

    def user(
        self,
        first_name: str = "Aigerim",
        *,
        language_code: str | None = "ru",
        username: str | None = None,
        last_name: str | None = None,
        phone: str | None = None,
        user_id: int | None = None,
    ) -> FakeUser:
        account = FakeAccount(
            id=user_id or next(self._ids),
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
            phone=phone,
        )
        self.api.add_account(account)
        return FakeUser(self, account, self.api.chats[account.id])

    def group(
        self, title: str = "Work chat", *, bot_admin: bool = False, members: Sequence[FakeUser] = ()
    ) -> ChatRecord:
        chat = self.api.add_group(-1_000_000_000_000 - next(self._group_ids), title)
        chat.bot_status = "administrator" if bot_admin else "member"
        chat.bot_can_delete = bot_admin
        for member in members:
            chat.members[member.id] = "member"
        return chat

    async def change_bot_status(
        self,
        chat: ChatRecord,
        status: str,
        *,
        by: FakeUser,
        can_delete: bool | None = None,
        from_status: str | None = None,
    ) -> Exchange:
        """Someone adds, promotes, restricts or removes the bot: Telegram's my_chat_member.

        `status` is member, administrator, left or kicked; an administrator may delete messages
        unless `can_delete` says otherwise. `from_status` overrides the status before the
        change (e.g. "left" for a group made with `group()` that the bot is only now joining).
        """
        old = self.api._member(
            BOT_ID, from_status or chat.bot_status, chat.bot_can_delete and not from_status
        )
        chat.bot_status = status
        chat.bot_can_delete = (status == "administrator") if can_delete is None else can_delete
        new = self.api._member(BOT_ID, status, chat.bot_can_delete)
        payload = {
            "my_chat_member": {
                "chat": chat.to_api(self.api.accounts),
                "from": by.account.to_api(),
                "date": int(time.time()),
                "old_chat_member": old,
                "new_chat_member": new,
            }
        }
        return await self.deliver(payload, chat.id)

    # ---- awaiting the bot ------------------------------------------------------------------

    async def deliver(
        self,
        payload: dict[str, Any],
        chat_id: int | None,
        *,
        copies: int = 1,
        stagger: float = 0.0,
    ) -> Exchange:
        """Queue an update, wait until the Application has handled it, return what it did.

        `copies` > 1 delivers the same update that many times (Telegram's redelivery), the
        extra copies `stagger` seconds apart."""
        mark_events = len(self.api.events)
        update_id = self.api.push_update(payload, copies=copies, stagger=stagger)
        if self.mode != "polling":
            # The webhook is answered once the update is handled: every copy answered 2xx.
            await self.api.delivery.wait_delivered(update_id, DEFAULT_TIMEOUT)
        else:
            event = self._processed.setdefault(update_id, asyncio.Event())
            try:
                await asyncio.wait_for(event.wait(), DEFAULT_TIMEOUT)
            except TimeoutError:
                raise AssertionError(f"the bot did not handle update {update_id} in time") from None
            finally:
                self._processed.pop(update_id, None)
        events = [
            e
            for e in self.api.events[mark_events:]
            if chat_id is None or e.chat_id in (chat_id, None)
        ]
        messages = [
            self.api.messages[(e.chat_id, e.message_id)]
            for e in events
            if e.kind in ("sent", "document", "photo")
            and e.chat_id is not None
            and e.message_id is not None
        ]
        return Exchange(update_id, messages, events, self.api.messages)

    async def wait_for(
        self,
        predicate: Callable[[], bool],
        within: float = DEFAULT_TIMEOUT,
        interval: float = 0.01,
    ) -> None:
        """For what happens outside an update (jobs, broadcasts): poll until true."""
        deadline = time.monotonic() + within
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError("condition not met in time")
            await asyncio.sleep(interval)

    def messages_to(self, chat_id: int) -> list[MessageRecord]:
        return [
            m for (cid, _), m in sorted(self.api.messages.items()) if cid == chat_id and m.from_bot
        ]


class FakeUser:
    """A Telegram user acting in their private chat (or in a group, with `chat=`)."""

    def __init__(self, harness: BotHarness, account: FakeAccount, chat: ChatRecord) -> None:
        self.harness, self.account, self.chat = harness, account, chat

    @property
    def id(self) -> int:
        return self.account.id

    def block_bot(self, blocked: bool = True) -> None:
        self.account.blocked_bot = blocked

    def _message(self, chat: ChatRecord | None) -> MessageRecord:
        target = chat or self.chat
        return self.harness.api.new_message(target.id, sender_id=self.id, from_bot=False)

    async def _post(self, record: MessageRecord, *, edited: bool = False) -> Exchange:
        api = self.harness.api
        api._record(Event("user_message", record.chat_id, record.message_id), record)
        key = "edited_message" if edited else "message"
        return await self.harness.deliver({key: api.message_to_api(record)}, record.chat_id)

    async def send(
        self,
        text: str,
        *,
        chat: ChatRecord | None = None,
        reply_to: MessageRecord | None = None,
        copies: int = 1,
        stagger: float = 0.0,
    ) -> Exchange:
        record = self._message(chat)
        record.text = text
        record.entities = _command_and_mention_entities(text)
        payload_extra: dict[str, Any] = {}
        if reply_to is not None:
            payload_extra["reply_to_message"] = self.harness.api.message_to_api(reply_to)
        api = self.harness.api
        api._record(Event("user_message", record.chat_id, record.message_id), record)
        return await self.harness.deliver(
            {"message": {**api.message_to_api(record), **payload_extra}},
            record.chat_id,
            copies=copies,
            stagger=stagger,
        )

    async def edit(self, message: MessageRecord, text: str) -> Exchange:
        message.text = text
        message.edits += 1
        data = self.harness.api.message_to_api(message)
        data["edit_date"] = int(time.time())
        return await self.harness.deliver({"edited_message": data}, message.chat_id)

    async def share_contact(
        self,
        phone: str,
        *,
        own: bool = True,
        owner_id: int | None = None,
        chat: ChatRecord | None = None,
    ) -> Exchange:
        """Share a contact: their own (user_id = theirs), or someone else's (forged or typed)."""
        record = self._message(chat)
        contact: dict[str, Any] = {"phone_number": phone, "first_name": self.account.first_name}
        if own:
            contact["user_id"] = self.id
        elif owner_id is not None:
            contact["user_id"] = owner_id
        record.contact = contact
        return await self._post(record)

    async def send_document(
        self,
        filename: str,
        content: bytes,
        *,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
        chat: ChatRecord | None = None,
    ) -> Exchange:
        stored = self.harness.api.store_file(content)
        record = self._message(chat)
        record.document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": filename,
            "mime_type": mime_type,
            "file_size": len(content),
        }
        record.caption = caption
        return await self._post(record)

    async def send_raw(
        self, message_fields: dict[str, Any], *, chat: ChatRecord | None = None
    ) -> Exchange:
        """A message with arbitrary extra fields (stickers, photos, hostile shapes)."""
        record = self._message(chat)
        data = {**self.harness.api.message_to_api(record), **message_fields}
        return await self.harness.deliver({"message": data}, record.chat_id)

    async def press(
        self,
        label: str | None = None,
        *,
        data: str | None = None,
        message: MessageRecord | None = None,
    ) -> Exchange:
        """Press an inline button by its label (or part of it), or send forged callback data."""
        target = message or self._latest_with_buttons()
        if data is None:
            matches = [
                b for b in target.buttons if label is not None and label in b.get("text", "")
            ]
            if not matches:
                labels = [b.get("text") for b in target.buttons]
                raise AssertionError(f"no button {label!r} among {labels}")
            if "callback_data" not in matches[0]:
                raise AssertionError(f"button {label!r} is a link, not a callback button")
            data = matches[0]["callback_data"]
        api = self.harness.api
        query_id = f"q{api.next_update_id}{time.monotonic_ns()}"
        api.callback_answers[query_id] = {}
        query = {
            "id": query_id,
            "from": self.account.to_api(),
            "chat_instance": str(target.chat_id),
            "data": data,
            "message": api.message_to_api(target),
        }
        return await self.harness.deliver({"callback_query": query}, target.chat_id)

    async def inline(self, query: str, *, chat_type: str | None = "private") -> InlineAnswer | None:
        """Type `@bot query` in a chat: the inline_query update, and the bot's answer (None when
        the bot did not answer it)."""
        api = self.harness.api
        query_id = "i" + secrets.token_hex(8)
        api.inline_answers[query_id] = {}
        payload: dict[str, Any] = {
            "id": query_id,
            "from": self.account.to_api(),
            "query": query,
            "offset": "",
        }
        if chat_type is not None:
            payload["chat_type"] = chat_type
        exchange = await self.harness.deliver({"inline_query": payload}, None)
        answer = api.inline_answers.pop(query_id)
        if not answer:
            return None
        return InlineAnswer(
            query_id,
            query,
            answer["results"],
            answer["cache_time"],
            answer["is_personal"],
            answer["button"],
            exchange,
        )

    async def choose(self, answer: InlineAnswer, result_id: str) -> Exchange:
        """Pick one result: Telegram posts it in the chat and sends chosen_inline_result
        (when inline feedback is on in BotFather)."""
        answer.result(result_id)
        payload = {
            "result_id": result_id,
            "from": self.account.to_api(),
            "query": answer.query,
        }
        return await self.harness.deliver({"chosen_inline_result": payload}, None)

    def _latest_with_buttons(self) -> MessageRecord:
        for record in reversed(self.harness.messages_to(self.chat.id)):
            if record.buttons and not record.deleted:
                return record
        raise AssertionError("no bot message with buttons in this chat")

    def answer_to(self, exchange: Exchange) -> dict[str, Any] | None:
        """The callback answer (toast/alert) the bot gave in an exchange, if any."""
        for event in exchange.events:
            if event.kind == "answered":
                return {"text": event.detail}
        return None

    def in_group(self, chat: ChatRecord, status: str = "member") -> FakeUser:
        chat.members[self.id] = status
        return self


def _command_and_mention_entities(text: str) -> list[dict[str, Any]]:
    entities: list[dict[str, Any]] = []
    if text.startswith("/"):
        length = len(text.split()[0])
        entities.append({"type": "bot_command", "offset": 0, "length": length})
    mention = f"@{BOT_USERNAME}"
    start = text.find(mention)
    if start >= 0 and not text.startswith("/"):
        entities.append(
            {
                "type": "mention",
                "offset": len(text[:start].encode("utf-16-le")) // 2,
                "length": len(mention),
            }
        )
    return entities


def _secret(value: str) -> Any:
    from pydantic import SecretStr

    return SecretStr(value)


__all__ = ["BOT_ID", "BotHarness", "Exchange", "FakeUser", "InlineAnswer", "replace"]
