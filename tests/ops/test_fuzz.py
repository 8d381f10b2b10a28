"""Over a thousand random and hostile updates through the real Application (webhook mode).

For every batch: no error reaches the error handler or the log, Telegram (the fake, which
refuses what Telegram refuses) accepts every call the bot makes, every delivery is answered
200, and nothing a user typed comes back as markup.

Hypothesis runs in a worker thread and hands each batch to the event loop the bot runs in.
A fixed budget keeps it well under a minute; `database=None` keeps .hypothesis/ out of the
repository.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import logging
import os
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import load_settings
from bot.harness import BotHarness, FakeUser
from bot.harness.records import ChatRecord, MessageRecord
from bot.harness.server import BOT_ID, BOT_USERNAME
from bot.ops import sendqueue
from bot.ops.metrics import Metrics
from tests.benchmarks.worst_inputs import WORST_FILES, WORST_TEXTS

# Batches of 6 to 30 updates; FUZZ_EXAMPLES=2000 searches deeper than the suite can afford.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "130"))
MAX_BATCH = 30
FAST = 10_000.0
ALLOWED_REFUSALS = {
    ("deleteMessage", 400, "Bad Request: message can't be deleted")
}  # Telegram's 30 messages/s would make thousands of updates take minutes


# ---- what users send ---------------------------------------------------------------------------

MARK = st.text("0123456789abcdef", min_size=8, max_size=8)
INJECTIONS = (
    "<b>{m}</b>",
    '<a href="tg://user?id=1">{m}</a>',
    '<a href="http://evil.example/{m}">x</a>',
    "<i>{m}",
    "</b></i>{m}",
    "<script>{m}</script>",
    "<tg-spoiler>{m}</tg-spoiler>",
    "<code>{m}</code><pre>",
    "&lt;{m}&gt;",
    "&{m};",
    "*{m}* _{m}_ `{m}` [{m}](http://evil.example/{m})",
    "<blockquote expandable>{m}",
)
COMMANDS = (
    "/start",
    "/help",
    "/menu",
    "/language",
    "/cancel",
    "/password",
    "/status",
    "/revoke",
    "/org",
    "/requests",
    "/subscribe",
    "/unsubscribe",
    "/broadcast",
    "/broadcasts",
    "/stats",
    "/guard",
    "/nonexistent",
    f"/help@{BOT_USERNAME}",
    "/start@someone_else_bot",
)
CALLBACK_PREFIXES = (
    "core:menu",
    "core:help",
    "core:language",
    "core:lang:",
    "gd:list",
    "gd:t:",
    "gd:v:",
    "pw:start",
    "sig:status",
    "rv:pick:",
    "rv:why:",
    "rv:ok:",
    "rv:no",
    "rv:menu",
    "org:left:",
    "org:emp:",
    "org:gone:",
    "rq:page:",
    "rq:ok:",
    "rq:no:",
    "bc:mode:",
    "bc:send:",
    "bc:cancel:",
    "",
)
HOSTILE_NAMES = (
    "../../etc/passwd",
    "key.p12",
    "KEY.PFX",
    "AUTH_RSA256_0123.p12",
    "cert.cer",
    "<b>cert</b>.pem",
    "\u202egnp.exe",
    "a" * 255,
    "x\u0000.crt",
    "",
    "con",
    "ключ.jks",
    "😀.key",
)

unicode_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=300
).filter(lambda s: s.strip() != "")
long_text = st.one_of(
    st.just("я" * 4096),
    st.just("😀" * 2048),  # 4096 UTF-16 units: exactly Telegram's limit
    st.text(alphabet="ab <>&\n", min_size=4000, max_size=4096).filter(lambda s: s.strip() != ""),
    # The worst inputs of every detector (tests/benchmarks/bench_detectors.py).
    st.sampled_from(sorted(WORST_TEXTS.values())),
)
injection = st.builds(lambda template, m: template.format(m=m), st.sampled_from(INJECTIONS), MARK)
command = st.builds(
    lambda c, arg: f"{c} {arg}".strip(),
    st.sampled_from(COMMANDS),
    st.one_of(st.just(""), unicode_text, injection, st.just("x" * 200)),
)
callback_data = st.one_of(
    st.builds(
        lambda prefix, tail: (prefix + tail)[:32],
        st.sampled_from(CALLBACK_PREFIXES),
        st.one_of(
            st.just(""),
            st.integers(-(2**63), 2**63).map(str),
            st.text("0123456789:-abcxyz", max_size=20),
            st.text(max_size=8),
        ),
    ),
    st.text(max_size=16),
).filter(lambda d: 0 < len(d.encode()) <= 64)


@dataclass(frozen=True)
class Action:
    kind: str
    text: str = ""
    data: str = ""
    name: str = ""
    content: bytes = b""
    in_group: bool = False


def _action(kind: str, **kwargs: Any) -> st.SearchStrategy[Action]:
    return st.builds(Action, kind=st.just(kind), **kwargs)


ACTIONS = st.one_of(
    _action("text", text=st.one_of(unicode_text, injection, command, long_text)),
    _action("text", text=st.one_of(command, injection), in_group=st.booleans()),
    _action("mention", text=st.one_of(unicode_text, injection), in_group=st.just(True)),
    _action("edit", text=st.one_of(unicode_text, injection, command, long_text)),
    _action("press", data=callback_data),
    _action(
        "document",
        name=st.sampled_from(HOSTILE_NAMES),
        content=st.one_of(
            st.binary(max_size=64),
            st.just(b"0\x82\x01\x00\x02\x01\x03"),  # the start of a PKCS#12 container
            st.just(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
            st.sampled_from(sorted(WORST_FILES.values())),  # 64 KiB built against the parsers
        ),
        text=st.one_of(st.just(""), injection),
        in_group=st.booleans(),
    ),
    _action("sticker", in_group=st.booleans()),
    _action(
        "contact", text=st.sampled_from(["+77010000001", "+7 701 000 00 02", "87019999999", "x"])
    ),
    _action("bare"),  # a message with no content at all
    _action("channel_post", text=st.one_of(unicode_text, injection, command)),
    _action("language", text=st.sampled_from(["kk", "ru", "en", "xx", "zh-hans", "", "KK"])),
)


# ---- sending them ------------------------------------------------------------------------------


@dataclass
class Batch:
    harness: BotHarness
    user: FakeUser
    group: ChatRecord
    channel: ChatRecord
    sent: list[MessageRecord] = field(default_factory=list)
    injected: list[str] = field(default_factory=list)

    async def run(self, action: Action) -> None:
        api = self.harness.api
        chat = self.group if action.in_group else None
        if "<" in action.text or "&" in action.text or "](" in action.text:
            self.injected.append(action.text)
        if action.kind == "text":
            await self.user.send(action.text, chat=chat)
        elif action.kind == "mention":
            await self.user.send(f"@{BOT_USERNAME} {action.text}", chat=chat)
        elif action.kind == "edit":
            # Telegram delivers no edit of a message that was deleted (a password, a key file).
            own = [
                m
                for m in self.harness.api.messages.values()
                if m.sender_id == self.user.id and not m.deleted
            ]
            if own:
                await self.user.edit(own[-1], action.text)
        elif action.kind == "press":
            target = self._bot_message()
            await self.user.press(data=action.data, message=target)
        elif action.kind == "document":
            await self.user.send_document(
                action.name or "file", action.content, caption=action.text or None, chat=chat
            )
        elif action.kind == "sticker":
            await self.user.send_raw({"sticker": _sticker()}, chat=chat)
        elif action.kind == "contact":
            await self.user.share_contact(action.text, own=bool(len(action.text) % 2))
        elif action.kind == "bare":
            await self.user.send_raw({})
        elif action.kind == "channel_post":
            record = api.new_message(self.channel.id, sender_id=self.channel.id, from_bot=False)
            record.text = action.text
            data = api.message_to_api(record)
            data.pop("from", None)
            data["sender_chat"] = self.channel.to_api(api.accounts)
            await self.harness.deliver({"channel_post": data}, self.channel.id)
        elif action.kind == "language":
            self.user.account.language_code = action.text or None
            await self.user.send("/help")

    def _bot_message(self) -> MessageRecord:
        """The latest bot message in the chat (Telegram sends presses only on bot messages)."""
        for record in reversed(self.harness.messages_to(self.user.id)):
            if not record.deleted:
                return record
        api = self.harness.api
        record = api.new_message(self.user.id, sender_id=BOT_ID, from_bot=True)
        record.text = "menu"
        record.reply_markup = {"inline_keyboard": [[{"text": "x", "callback_data": "core:menu"}]]}
        return record


def _sticker() -> dict[str, Any]:
    return {
        "file_id": "STK",
        "file_unique_id": "STKU",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": "😀",
    }


class Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
async def fuzz_harness(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[BotHarness]:
    monkeypatch.setattr(sendqueue, "GROUP_RATE", FAST)
    monkeypatch.setattr(sendqueue, "GROUP_BURST", FAST)
    fuzz_settings = load_settings(
        send_rate=1000,
        database_url=sqlite_url,
        bot_data_dir=tmp_path,
        pii_secret="test-pii-secret-0123456789",
        operator_ids="",
    )
    async with BotHarness(
        fuzz_settings, mode="webhook", global_rate=FAST, group_rate=FAST
    ) as harness:
        yield harness


async def test_hostile_updates_never_break_the_bot(fuzz_harness: BotHarness) -> None:
    harness = fuzz_harness
    loop = asyncio.get_running_loop()
    errors = Errors()
    logging.getLogger().addHandler(errors)
    names = itertools.count()
    totals = {"updates": 0, "batches": 0}
    started = time.monotonic()

    async def one_batch(first_name: str, actions: list[Action]) -> None:
        n = next(names)
        user = harness.user(first_name, language_code=("kk", "ru", "en", None)[n % 4])
        admin = n % 2 == 0
        group = harness.group(f"Group {n}", bot_admin=admin, members=[user])
        channel = harness.api.add_group(-2_000_000_000_000 - n, f"Channel {n}", kind="channel")
        batch = Batch(harness, user, group, channel)
        mark_events, mark_errors = len(harness.api.events), len(harness.api.api_errors)
        mark_attempts = len(harness.api.delivery.attempts)
        for action in actions:
            await batch.run(action)
        totals["updates"] += len(harness.api.delivery.attempts) - mark_attempts
        totals["batches"] += 1
        _check(harness, batch, first_name, mark_events, mark_errors, mark_attempts, errors)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        first_name=st.one_of(st.just("Aigerim"), injection, unicode_text.map(lambda s: s[:64])),
        actions=st.lists(ACTIONS, min_size=6, max_size=MAX_BATCH),
    )
    def fuzz(first_name: str, actions: list[Action]) -> None:
        asyncio.run_coroutine_threadsafe(one_batch(first_name, actions), loop).result(120)

    try:
        await asyncio.to_thread(fuzz)
    finally:
        logging.getLogger().removeHandler(errors)
    took = time.monotonic() - started
    print(f"\nfuzz: {totals['updates']} updates in {totals['batches']} batches, {took:.1f} s")
    assert totals["updates"] >= 8 * EXAMPLES


def _check(
    harness: BotHarness,
    batch: Batch,
    first_name: str,
    mark_events: int,
    mark_errors: int,
    mark_attempts: int,
    errors: Errors,
) -> None:
    api = harness.api
    assert errors.records == [], [r.getMessage() for r in errors.records]
    metrics = harness.application.deps.get(Metrics)
    assert sum(s.value for s in metrics.errors.collect()[0].samples) == 0
    # Telegram would have accepted every message: no 400 (bad HTML, too long, bad buttons,
    # unchanged edits, stale queries). The one refusal allowed is a best-effort delete of a
    # password typed in a group where the bot has no right to delete: asking is correct.
    refused = [e for e in api.api_errors[mark_errors:] if e not in ALLOWED_REFUSALS]
    assert refused == []
    assert {a.status for a in api.delivery.attempts[mark_attempts:]} <= {200}
    # Nothing the user typed (name included) came back as markup.
    hostile = [t for t in [*batch.injected, first_name] if "<" in t or "&" in t or "](" in t]
    for event in api.events[mark_events:]:
        if event.kind not in ("sent", "edited") or event.message_id is None:
            continue
        record = api.messages[(event.chat_id, event.message_id)]  # type: ignore[index]
        html = record.html or ""
        for typed in hostile:
            for piece in _markup_pieces(typed):
                assert piece not in html, (piece, html[:300])
        for entity in record.entities:
            assert "evil.example" not in entity.get("url", ""), record.html


def _markup_pieces(typed: str) -> list[str]:
    """What would be markup if the text were echoed raw: from each "<" or "&" up to the end of
    the injection's marker that follows it (escaped, the "<" or "&" would read "&lt;"/"&amp;")."""
    markers = [m for m in _MARKER.findall(typed)]
    pieces = []
    for start, char in enumerate(typed):
        if char not in "<&":
            continue
        ends = [typed.find(m, start) + len(m) for m in markers if typed.find(m, start) > start]
        if ends:
            pieces.append(typed[start : min(ends)])
    return pieces


_MARKER = re.compile(r"[0-9a-f]{8}")


def test_the_echo_check_would_catch_raw_markup() -> None:
    typed = '<a href="http://evil.example/0badc0de">x</a> &lt;0badc0de&gt;'
    pieces = _markup_pieces(typed)
    assert '<a href="http://evil.example/0badc0de' in pieces
    assert "&lt;0badc0de" in pieces
    echoed_raw = f"You wrote: {typed}"
    echoed_escaped = f"You wrote: {html.escape(typed)}"
    assert any(p in echoed_raw for p in pieces)
    assert not any(p in echoed_escaped for p in pieces)
