"""The fake Bot API refuses what Telegram refuses, so the bot's tests catch it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from bot.harness import FakeBotApi
from bot.harness.records import FakeAccount

TOKEN = "123:abc"


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    # Five per hour: the bucket cannot refill during the test, however slow the machine.
    server = FakeBotApi(token=TOKEN, global_rate=5, global_period=3600)
    await server.start()
    server.add_account(FakeAccount(id=42, first_name="A"))
    yield server
    await server.stop()


async def call(api: FakeBotApi, method: str, **params: object) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(f"{api.base_url}{TOKEN}/{method}", json=params)


async def test_send_parses_html_like_telegram(api: FakeBotApi) -> None:
    ok = await call(api, "sendMessage", chat_id=42, text="<b>Hi</b> &amp; bye", parse_mode="HTML")
    assert ok.json()["result"]["text"] == "Hi & bye"
    assert ok.json()["result"]["entities"] == [{"type": "bold", "offset": 0, "length": 2}]
    bad = await call(api, "sendMessage", chat_id=42, text="<b>unclosed", parse_mode="HTML")
    assert bad.status_code == 400
    assert "can't parse entities" in bad.json()["description"]
    raw = await call(api, "sendMessage", chat_id=42, text="1 < 2", parse_mode="HTML")
    assert raw.status_code == 400


async def test_length_is_counted_after_parsing_in_utf16(api: FakeBotApi) -> None:
    exactly = "<b>" + "я" * 4096 + "</b>"
    assert (
        await call(api, "sendMessage", chat_id=42, text=exactly, parse_mode="HTML")
    ).status_code == 200
    emoji = "😀" * 2049  # 4098 UTF-16 units
    too_long = await call(api, "sendMessage", chat_id=42, text=emoji)
    assert too_long.status_code == 400
    assert too_long.json()["description"] == "Bad Request: message is too long"


async def test_callback_data_limit(api: FakeBotApi) -> None:
    markup = {"inline_keyboard": [[{"text": "x", "callback_data": "й" * 33}]]}  # 66 bytes
    bad = await call(api, "sendMessage", chat_id=42, text="t", reply_markup=markup)
    assert bad.json()["description"] == "Bad Request: BUTTON_DATA_INVALID"


async def test_rate_limit_answers_429_with_retry_after(api: FakeBotApi) -> None:
    codes = [(await call(api, "sendMessage", chat_id=42, text="t")).status_code for _ in range(8)]
    assert codes[:5] == [200] * 5
    assert 429 in codes[5:]
    refused = await call(api, "sendMessage", chat_id=42, text="t")
    assert refused.json()["parameters"]["retry_after"] >= 1


async def test_blocked_user_and_unknown_chat(api: FakeBotApi) -> None:
    api.accounts[42].blocked_bot = True
    blocked = await call(api, "sendMessage", chat_id=42, text="t")
    assert blocked.status_code == 403
    assert blocked.json()["description"] == "Forbidden: bot was blocked by the user"
    missing = await call(api, "sendMessage", chat_id=999, text="t")
    assert missing.json()["description"] == "Bad Request: chat not found"


async def test_wrong_token_and_unknown_method(api: FakeBotApi) -> None:
    async with httpx.AsyncClient() as client:
        wrong = await client.post(f"{api.base_url}999:zzz/getMe")
    assert wrong.status_code == 401
    assert (await call(api, "sendCarrierPigeon")).status_code == 404


async def test_group_messages_need_delete_rights(api: FakeBotApi) -> None:
    group = api.add_group(-100, "Work")
    record = api.new_message(-100, sender_id=42, from_bot=False)
    refused = await call(api, "deleteMessage", chat_id=-100, message_id=record.message_id)
    assert refused.json()["description"] == "Bad Request: message can't be deleted"
    group.bot_can_delete = True
    assert (await call(api, "deleteMessage", chat_id=-100, message_id=record.message_id)).json()[
        "ok"
    ]
    again = await call(api, "deleteMessage", chat_id=-100, message_id=record.message_id)
    assert again.json()["description"] == "Bad Request: message to delete not found"
