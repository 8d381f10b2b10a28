"""The fake Bot API server: the methods the bot uses, with Telegram's limits and errors."""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import BodyPartReader, web

from bot.harness.inline import (
    InlineAnswerError,
    check_button,
    check_next_offset,
    check_results,
)
from bot.harness.limits import TokenBucket, retry_after_seconds
from bot.harness.media import MAX_MEDIA_GROUP, MIN_MEDIA_GROUP, PhotoError, inspect_photo
from bot.harness.records import (
    ChatRecord,
    Event,
    FakeAccount,
    MessageRecord,
    StoredFile,
)
from bot.harness.webhook import DEFAULT_MAX_CONNECTIONS, Webhook, WebhookDelivery
from bot.tghtml import MAX_CAPTION_LENGTH, MAX_MESSAGE_LENGTH, TelegramHTMLError, parse

MAX_CALLBACK_DATA = 64
MAX_FILE_DOWNLOAD = 20 * 1024 * 1024
BOT_ID = 7_000_000_001
BOT_USERNAME = "esign_safety_bot"
_JSON_FIELDS = {
    "reply_markup",
    "entities",
    "caption_entities",
    "reply_parameters",
    "link_preview_options",
    "commands",
    "scope",
    "allowed_updates",
    "media",
    "results",
    "button",
}


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after


Listener = Callable[[Event, MessageRecord | None], None]


class FakeBotApi:
    """In-memory Telegram. `url` is what goes into BOT_API_BASE_URL."""

    def __init__(
        self,
        *,
        token: str,
        global_rate: float = 30.0,
        group_rate: float = 20.0,
        global_period: float = 1.0,
    ) -> None:
        self.token = token
        self.accounts: dict[int, FakeAccount] = {}
        self.chats: dict[int, ChatRecord] = {}
        self.messages: dict[tuple[int, int], MessageRecord] = {}
        self.events: list[Event] = []
        self.files: dict[str, StoredFile] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.callback_answers: dict[str, dict[str, Any]] = {}
        # Inline query id → the bot's answer (empty until answered, like callback_answers).
        self.inline_answers: dict[str, dict[str, Any]] = {}
        self.requests: list[str] = []
        self.rate_limited = 0
        self.webhook: dict[str, Any] | None = None
        self._global = TokenBucket(global_rate, period=global_period)
        self._group_rate = group_rate
        self._group_buckets: dict[int, TokenBucket] = {}
        self._updates: list[dict[str, Any]] = []
        # Once the bot sets a webhook, pending updates are POSTed to it instead.
        self.delivery = WebhookDelivery(self._updates)
        # Every error answer the bot got: (method, code, description).
        self.api_errors: list[tuple[str, int, str]] = []
        self.next_update_id = 1
        self._new_update = asyncio.Event()
        self._closing = False
        self._listeners: list[Listener] = []
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.in_flight = 0
        self._methods: dict[str, Callable[[dict[str, Any]], Awaitable[Any]]] = {
            name.removeprefix("m_"): getattr(self, name)
            for name in dir(self)
            if name.startswith("m_")
        }

    # ---- lifecycle -------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server
        assert isinstance(server, asyncio.Server)
        self.port = server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self._closing = True
        self._new_update.set()
        await self.delivery.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def continue_numbering(self, next_update_id: int) -> None:
        """Number updates from here on: a bot that remembers the update ids it handled (a
        restarted terminal chat on the same database) would drop a repeated one."""
        self.next_update_id = max(self.next_update_id, next_update_id)

    # ---- the simulated world ---------------------------------------------------------------

    def add_account(self, account: FakeAccount) -> FakeAccount:
        self.accounts[account.id] = account
        self.chats.setdefault(account.id, ChatRecord(id=account.id, type="private"))
        return account

    def add_group(self, chat_id: int, title: str, *, kind: str = "supergroup") -> ChatRecord:
        chat = ChatRecord(id=chat_id, type=kind, title=title)
        self.chats[chat_id] = chat
        return chat

    def new_message(self, chat_id: int, *, sender_id: int, from_bot: bool) -> MessageRecord:
        chat = self.chats[chat_id]
        record = MessageRecord(
            chat_id=chat_id,
            message_id=chat.next_message_id,
            from_bot=from_bot,
            sender_id=sender_id,
            date=int(time.time()),
        )
        chat.next_message_id += 1
        self.messages[(chat_id, record.message_id)] = record
        return record

    def push_update(self, payload: dict[str, Any], *, copies: int = 1, stagger: float = 0.0) -> int:
        """Queue an update. `copies` > 1 delivers it that many times, as Telegram does when an
        answer to a webhook is lost; with `stagger` the extra copies come that much later."""
        update_id = self.next_update_id
        self.next_update_id += 1
        self.delivery.expect(update_id, copies)
        for copy in range(copies):
            update = {"update_id": update_id, **payload}
            self._updates.append(update)
            self.delivery.queued(update, stagger=stagger * copy)
        self._new_update.set()
        return update_id

    def store_file(self, content: bytes) -> StoredFile:
        file_id = "F" + secrets.token_hex(12)
        stored = StoredFile(file_id, "U" + secrets.token_hex(6), content, f"documents/{file_id}")
        self.files[file_id] = stored
        return stored

    def message_to_api(self, record: MessageRecord) -> dict[str, Any]:
        chat = self.chats[record.chat_id]
        data: dict[str, Any] = {
            "message_id": record.message_id,
            "date": record.date,
            "chat": chat.to_api(self.accounts),
        }
        if record.from_bot:
            data["from"] = self.bot_user()
        elif record.sender_id in self.accounts:
            data["from"] = self.accounts[record.sender_id].to_api()
        if record.text is not None:
            data["text"] = record.text
            if record.entities:
                data["entities"] = record.entities
        if record.caption is not None:
            data["caption"] = record.caption
        if record.document is not None:
            data["document"] = record.document
        if record.photo is not None:
            data["photo"] = record.photo
        if record.media_group_id is not None:
            data["media_group_id"] = record.media_group_id
        if record.contact is not None:
            data["contact"] = record.contact
        if record.reply_markup and "inline_keyboard" in record.reply_markup:
            data["reply_markup"] = record.reply_markup
        return data

    @staticmethod
    def bot_user() -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "E-Signature Safety",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": True,
            "supports_inline_queries": True,
        }

    def _record(self, event: Event, record: MessageRecord | None = None) -> None:
        self.events.append(event)
        for listener in self._listeners:
            listener(event, record)

    # ---- HTTP ------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if not secrets.compare_digest(request.match_info["token"], self.token):
            return _error(ApiError(401, "Unauthorized"))
        method_name = request.match_info["method"]
        method = self._methods.get(method_name.lower())
        if method is None:
            return _error(ApiError(404, "Not Found: method not found"))
        self.requests.append(method_name)
        self.in_flight += 1
        try:
            params = await _params(request)
            result = await method(params)
        except ApiError as exc:
            self.api_errors.append((method_name, exc.code, exc.description))
            return _error(exc)
        finally:
            self.in_flight -= 1
        return web.json_response({"ok": True, "result": result})

    async def _download(self, request: web.Request) -> web.StreamResponse:
        if not secrets.compare_digest(request.match_info["token"], self.token):
            return web.Response(status=401)
        path = request.match_info["path"]
        stored = next((f for f in self.files.values() if f.path == path), None)
        if stored is None:
            return web.Response(status=404)
        return web.Response(body=stored.content)

    # ---- limits ----------------------------------------------------------------------------

    def _throttle(self, chat_id: int) -> None:
        chat = self.chats.get(chat_id)
        if chat is not None and chat.type != "private":
            bucket = self._group_buckets.setdefault(
                chat_id, TokenBucket(self._group_rate, period=60.0)
            )
            wait = bucket.take()
            if wait:
                self.rate_limited += 1
                raise ApiError(429, "Too Many Requests", retry_after_seconds(wait))
        wait = self._global.take()
        if wait:
            self.rate_limited += 1
            raise ApiError(429, "Too Many Requests", retry_after_seconds(wait))

    def _chat_for_send(self, params: dict[str, Any]) -> ChatRecord:
        chat_id = _int(params, "chat_id")
        chat = self.chats.get(chat_id)
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        if chat.type == "private":
            account = self.accounts.get(chat.id)
            if account is not None and account.blocked_bot:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
        elif chat.bot_status in ("kicked", "left"):
            raise ApiError(403, "Forbidden: bot is not a member of the group chat")
        return chat

    # ---- methods ---------------------------------------------------------------------------

    async def m_getme(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.bot_user()

    async def m_getupdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if self.delivery.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        if offset:
            # In place: the webhook delivery shares this list.
            self._updates[:] = [u for u in self._updates if u["update_id"] >= offset]
        deadline = time.monotonic() + timeout
        while not self._updates and not self._closing:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), remaining)
            except TimeoutError:
                break
        return self._updates[:limit]

    async def m_deletewebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = None
        self.delivery.unset(drop_pending=_flag(params, "drop_pending_updates"))
        return True

    async def m_setwebhook(self, params: dict[str, Any]) -> bool:
        url = str(params.get("url") or "")
        if not url:
            return await self.m_deletewebhook(params)
        if not url.startswith(("http://", "https://")):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        connections = int(params.get("max_connections") or DEFAULT_MAX_CONNECTIONS)
        if not 1 <= connections <= 100:
            raise ApiError(400, "Bad Request: bad webhook: max_connections must be 1-100")
        self.webhook = {k: params.get(k) for k in ("url", "secret_token", "allowed_updates")}
        self.delivery.set(
            Webhook(url, str(secret) if secret else None, connections),
            drop_pending=_flag(params, "drop_pending_updates"),
        )
        return True

    async def m_getwebhookinfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": (self.webhook or {}).get("url") or "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def m_setmycommands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands") or []
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: too many commands")
        for command in commands:
            name, description = command.get("command", ""), command.get("description", "")
            if (
                not (1 <= len(name) <= 32)
                or not name.replace("_", "").isalnum()
                or name.lower() != name
            ):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not (1 <= len(description) <= 256):
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        scope = json.dumps(params.get("scope") or {"type": "default"}, sort_keys=True)
        self.commands[(scope, params.get("language_code") or "")] = commands
        return True

    async def m_deletemycommands(self, params: dict[str, Any]) -> bool:
        scope = json.dumps(params.get("scope") or {"type": "default"}, sort_keys=True)
        self.commands.pop((scope, params.get("language_code") or ""), None)
        return True

    async def m_getmycommands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        scope = json.dumps(params.get("scope") or {"type": "default"}, sort_keys=True)
        return self.commands.get((scope, params.get("language_code") or ""), [])

    async def m_setchatmenubutton(self, params: dict[str, Any]) -> bool:
        return True

    async def m_sendchataction(self, params: dict[str, Any]) -> bool:
        self._chat_for_send(params)
        return True

    async def m_sendmessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat_for_send(params)
        text, entities = _formatted(params, "text", MAX_MESSAGE_LENGTH)
        markup = _markup(params.get("reply_markup"), private=chat.type == "private")
        self._throttle(chat.id)
        record = self.new_message(chat.id, sender_id=BOT_ID, from_bot=True)
        record.text, record.html, record.entities = text, params.get("text"), entities
        record.reply_markup = markup
        record.reply_to = _reply_to(params)
        self._record(Event("sent", chat.id, record.message_id), record)
        return self.message_to_api(record)

    async def m_senddocument(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat_for_send(params)
        upload = params.get("document")
        if not isinstance(upload, bytes | str) or not upload:
            raise ApiError(400, "Bad Request: there is no document in the request")
        caption = None
        if params.get("caption"):
            caption, _ = _formatted(params, "caption", MAX_CAPTION_LENGTH)
        markup = _markup(params.get("reply_markup"), private=chat.type == "private")
        self._throttle(chat.id)
        content = upload if isinstance(upload, bytes) else upload.encode()
        stored = self.store_file(content)
        record = self.new_message(chat.id, sender_id=BOT_ID, from_bot=True)
        record.document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": params.get("_filename", "document"),
            "file_size": len(content),
        }
        record.caption, record.reply_markup = caption, markup
        self._record(Event("document", chat.id, record.message_id), record)
        return self.message_to_api(record)

    async def m_sendmediagroup(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """An album of photos: 2-10 items, each a real image within Telegram's limits."""
        chat = self._chat_for_send(params)
        media = params.get("media")
        if not isinstance(media, list) or not MIN_MEDIA_GROUP <= len(media) <= MAX_MEDIA_GROUP:
            raise ApiError(400, "Bad Request: media must include 2-10 items")
        items: list[tuple[bytes, str | None, list[dict[str, Any]]]] = []
        for item in media:
            if not isinstance(item, dict) or item.get("type") != "photo":
                raise ApiError(400, "Bad Request: only photo albums are simulated")
            content = self._attached(params, item.get("media"))
            try:
                inspect_photo(content)
            except PhotoError as exc:
                raise ApiError(400, f"Bad Request: {exc}") from None
            caption: str | None = None
            entities: list[dict[str, Any]] = []
            if item.get("caption"):
                caption, entities = _formatted(item, "caption", MAX_CAPTION_LENGTH)
            items.append((content, caption, entities))
        # One album is one request against the limits here (Telegram's accounting is not
        # documented), so it never fails half sent.
        self._throttle(chat.id)
        group_id = "G" + secrets.token_hex(8)
        sent = []
        for content, caption, entities in items:
            photo = inspect_photo(content)
            stored = self.store_file(content)
            record = self.new_message(chat.id, sender_id=BOT_ID, from_bot=True)
            record.photo = [
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "width": photo.width,
                    "height": photo.height,
                    "file_size": photo.size,
                }
            ]
            record.caption, record.entities = caption, entities
            record.media_group_id = group_id
            self._record(Event("photo", chat.id, record.message_id), record)
            sent.append(self.message_to_api(record))
        return sent

    def _attached(self, params: dict[str, Any], ref: object) -> bytes:
        """An uploaded file named by "attach://<part>", or one already stored, by file_id."""
        if isinstance(ref, str) and ref.startswith("attach://"):
            content = params.get(ref.removeprefix("attach://"))
            if isinstance(content, bytes | bytearray):
                return bytes(content)
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        if isinstance(ref, str) and ref in self.files:
            return self.files[ref].content
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    async def m_answerinlinequery(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("inline_query_id") or "")
        if query_id not in self.inline_answers or self.inline_answers[query_id]:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        try:
            results = check_results(params.get("results"))
            check_button(params.get("button"))
            check_next_offset(params.get("next_offset"))
        except InlineAnswerError as exc:
            raise ApiError(400, f"Bad Request: {exc}") from None
        for result in results:
            _markup(result.get("reply_markup"), private=False)  # any chat: no Mini Apps
        cache_time = params.get("cache_time")
        if cache_time is not None and (not str(cache_time).isdigit()):
            raise ApiError(400, "Bad Request: cache_time is invalid")
        self.inline_answers[query_id] = {
            "results": results,
            "cache_time": int(cache_time) if cache_time is not None else 300,
            "is_personal": _flag(params, "is_personal"),
            "next_offset": params.get("next_offset"),
            "button": params.get("button"),
        }
        self._record(Event("inline_answered", None, None, detail=query_id))
        return True

    def _editable(self, params: dict[str, Any]) -> MessageRecord:
        if params.get("inline_message_id"):
            raise ApiError(400, "Bad Request: inline messages are not simulated")
        chat_id, message_id = _int(params, "chat_id"), _int(params, "message_id")
        record = self.messages.get((chat_id, message_id))
        if record is None or record.deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
        if not record.from_bot:
            raise ApiError(400, "Bad Request: message can't be edited")
        return record

    async def m_editmessagetext(self, params: dict[str, Any]) -> dict[str, Any]:
        record = self._editable(params)
        text, entities = _formatted(params, "text", MAX_MESSAGE_LENGTH)
        markup = _markup(params.get("reply_markup"), private=record.chat_id > 0)
        if text == record.text and entities == record.entities and markup == record.reply_markup:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        self._throttle(record.chat_id)
        record.text, record.html, record.entities = text, params.get("text"), entities
        record.reply_markup = markup
        record.edits += 1
        self._record(Event("edited", record.chat_id, record.message_id), record)
        return self.message_to_api(record)

    async def m_editmessagereplymarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        record = self._editable(params)
        markup = _markup(params.get("reply_markup"), private=record.chat_id > 0)
        if markup == record.reply_markup:
            raise ApiError(400, "Bad Request: message is not modified")
        record.reply_markup = markup
        record.edits += 1
        self._record(Event("edited", record.chat_id, record.message_id), record)
        return self.message_to_api(record)

    async def m_deletemessage(self, params: dict[str, Any]) -> bool:
        chat_id, message_id = _int(params, "chat_id"), _int(params, "message_id")
        record = self.messages.get((chat_id, message_id))
        if record is None or record.deleted:
            raise ApiError(400, "Bad Request: message to delete not found")
        chat = self.chats[chat_id]
        if chat.type != "private" and not record.from_bot and not chat.bot_can_delete:
            raise ApiError(400, "Bad Request: message can't be deleted")
        record.deleted = True
        self._record(Event("deleted", chat_id, message_id), record)
        return True

    async def m_answercallbackquery(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self.callback_answers or self.callback_answers[query_id]:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        text = params.get("text")
        if text and len(text) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self.callback_answers[query_id] = {"text": text, "show_alert": params.get("show_alert")}
        self._record(Event("answered", None, None, detail=text))
        return True

    async def m_getfile(self, params: dict[str, Any]) -> dict[str, Any]:
        stored = self.files.get(str(params.get("file_id")))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if len(stored.content) > MAX_FILE_DOWNLOAD:
            raise ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.path,
        }

    async def m_getchat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.chats.get(_int(params, "chat_id"))
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return chat.to_api(self.accounts)

    async def m_getchatmember(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.chats.get(_int(params, "chat_id"))
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        user_id = _int(params, "user_id")
        if user_id == BOT_ID:
            return self._member(BOT_ID, chat.bot_status, chat.bot_can_delete)
        status = chat.members.get(user_id, "left")
        if chat.type == "private" and user_id == chat.id:
            status = "member"
        return self._member(user_id, status, status in ("creator", "administrator"))

    async def m_getchatadministrators(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        chat = self.chats.get(_int(params, "chat_id"))
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        admins = [
            self._member(uid, status, True)
            for uid, status in chat.members.items()
            if status in ("creator", "administrator")
        ]
        if chat.bot_status == "administrator":
            admins.append(self._member(BOT_ID, "administrator", chat.bot_can_delete))
        return admins

    def _member(self, user_id: int, status: str, can_delete: bool) -> dict[str, Any]:
        user = (
            self.bot_user()
            if user_id == BOT_ID
            else (
                self.accounts[user_id].to_api()
                if user_id in self.accounts
                else {"id": user_id, "is_bot": False, "first_name": "Unknown"}
            )
        )
        data: dict[str, Any] = {"status": status, "user": user}
        if status == "administrator":
            data.update(
                can_be_edited=False,
                is_anonymous=False,
                can_manage_chat=True,
                can_delete_messages=can_delete,
                can_manage_video_chats=False,
                can_restrict_members=can_delete,
                can_promote_members=False,
                can_change_info=False,
                can_invite_users=True,
                can_post_stories=False,
                can_edit_stories=False,
                can_delete_stories=False,
            )
        elif status == "creator":
            data["is_anonymous"] = False
        elif status == "restricted":
            data.update(is_member=True, until_date=0)
        elif status == "kicked":
            data["until_date"] = 0
        return data

    async def m_close(self, params: dict[str, Any]) -> bool:
        return True

    async def m_logout(self, params: dict[str, Any]) -> bool:
        return True


def _error(exc: ApiError) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": exc.code, "description": exc.description}
    if exc.retry_after is not None:
        body["parameters"] = {"retry_after": exc.retry_after}
        body["description"] = f"Too Many Requests: retry after {exc.retry_after}"
    status = exc.code if exc.code in (400, 401, 403, 404, 409, 413, 429) else 400
    return web.json_response(body, status=status)


async def _params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        body = await request.json()
        if isinstance(body, dict):
            params.update(body)
    elif request.method == "POST":
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader) or part.name is None:
                    continue
                if part.filename:
                    params[part.name] = await part.read()
                    params["_filename"] = part.filename
                else:
                    params[part.name] = await part.text()
        else:
            params.update(await request.post())
    for key in _JSON_FIELDS & params.keys():
        if isinstance(params[key], str):
            try:
                params[key] = json.loads(params[key])
            except json.JSONDecodeError:
                raise ApiError(400, f"Bad Request: can't parse {key} JSON object") from None
    return params


def _reply_to(params: dict[str, Any]) -> int | None:
    reply = params.get("reply_parameters")
    if isinstance(reply, dict):
        value = reply.get("message_id")
    else:
        value = params.get("reply_to_message_id")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        raise ApiError(400, "Bad Request: reply message id is invalid") from None


def _flag(params: dict[str, Any], key: str) -> bool:
    """A boolean parameter, sent as JSON true or as the form value "true"."""
    value = params.get(key)
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _int(params: dict[str, Any], key: str) -> int:
    try:
        return int(params[key])
    except (KeyError, TypeError, ValueError):
        raise ApiError(400, f"Bad Request: {key} is invalid") from None


def _formatted(params: dict[str, Any], key: str, limit: int) -> tuple[str, list[dict[str, Any]]]:
    raw = params.get(key)
    if not isinstance(raw, str) or not raw.strip():
        raise ApiError(400, f"Bad Request: {key} must be non-empty")
    mode = (params.get("parse_mode") or "").upper()
    if mode == "HTML":
        try:
            parsed = parse(raw)
        except TelegramHTMLError as exc:
            raise ApiError(400, f"Bad Request: {exc}") from None
        text = parsed.text
        entities = [
            {
                "type": e.type,
                "offset": e.offset,
                "length": e.length,
                **({"url": e.url} if e.url else {}),
            }
            for e in parsed.entities
        ]
    elif mode:
        raise ApiError(400, f"Bad Request: unsupported parse_mode {mode} in this harness")
    else:
        text, entities = raw, []
    if not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if len(text.encode("utf-16-le")) // 2 > limit:
        raise ApiError(400, "Bad Request: message is too long")
    return text, entities


def _markup(markup: Any, *, private: bool) -> dict[str, Any] | None:
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if not button.get("text"):
                raise ApiError(
                    400, "Bad Request: text buttons are unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if data is not None and not (1 <= len(data.encode()) <= MAX_CALLBACK_DATA):
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            kinds = [
                k for k in ("callback_data", "url", "switch_inline_query", "web_app") if k in button
            ]
            if len(kinds) != 1:
                raise ApiError(400, "Bad Request: inline keyboard button must have one action")
            if "web_app" in button:
                # Telegram opens Mini Apps from inline buttons in private chats only, https only.
                url = str((button["web_app"] or {}).get("url", ""))
                if not private:
                    raise ApiError(400, "Bad Request: BUTTON_TYPE_INVALID")
                if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
                    raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")
    return markup
