"""The fake Bot API checks inline answers and photo albums as Telegram does (or stricter)."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bot.harness import FakeBotApi
from bot.harness.inline import DESCRIPTION_MAX, TITLE_MAX
from bot.harness.media import PhotoError, inspect_photo
from bot.harness.records import FakeAccount

TOKEN = "123:abc"


def png(width: int, height: int) -> bytes:
    """A valid PNG of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\xff" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi(token=TOKEN)
    await server.start()
    server.add_account(FakeAccount(id=42, first_name="A"))
    yield server
    await server.stop()


async def call(api: FakeBotApi, method: str, **params: object) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(f"{api.base_url}{TOKEN}/{method}", json=params)


def article(result_id: str = "a", **changes: Any) -> dict[str, Any]:
    result: dict[str, Any] = {
        "type": "article",
        "id": result_id,
        "title": "Title",
        "description": "Description",
        "input_message_content": {"message_text": "<b>Card</b>", "parse_mode": "HTML"},
    }
    result.update(changes)
    return result


async def answer(api: FakeBotApi, results: list[dict[str, Any]], **extra: Any) -> httpx.Response:
    api.inline_answers["q1"] = {}
    return await call(api, "answerInlineQuery", inline_query_id="q1", results=results, **extra)


async def test_a_valid_inline_answer_is_recorded(api: FakeBotApi) -> None:
    ok = await answer(api, [article("a"), article("b")], cache_time=60, is_personal=True)
    assert ok.status_code == 200
    assert [r["id"] for r in api.inline_answers["q1"]["results"]] == ["a", "b"]
    assert api.inline_answers["q1"]["is_personal"] is True
    again = await call(api, "answerInlineQuery", inline_query_id="q1", results=[])
    assert again.status_code == 400  # answered once only


@pytest.mark.parametrize(
    ("results", "error"),
    [
        ([article(str(i)) for i in range(51)], "RESULTS_TOO_MUCH"),
        ([article("a"), article("a")], "RESULT_ID_DUPLICATE"),
        ([article("x" * 65)], "RESULT_ID_INVALID"),
        ([article(title="")], "RESULT_TITLE_EMPTY"),
        ([article(title="t" * (TITLE_MAX + 1))], "title over"),
        ([article(description="d" * (DESCRIPTION_MAX + 1))], "description over"),
        (
            [article(input_message_content={"message_text": "<b>open", "parse_mode": "HTML"})],
            "can't parse entities",
        ),
        ([article(input_message_content={"message_text": "я" * 4097})], "MESSAGE_TOO_LONG"),
        (
            [
                article(
                    reply_markup={"inline_keyboard": [[{"text": "x", "callback_data": "y" * 65}]]}
                )
            ],
            "BUTTON_DATA_INVALID",
        ),
    ],
)
async def test_what_telegram_would_refuse_is_refused(
    api: FakeBotApi, results: list[dict[str, Any]], error: str
) -> None:
    refused = await answer(api, results)
    assert refused.status_code == 400
    assert error in refused.json()["description"]


async def test_an_unknown_query_id_is_refused(api: FakeBotApi) -> None:
    refused = await call(api, "answerInlineQuery", inline_query_id="nope", results=[])
    assert refused.status_code == 400


async def test_the_button_above_results_needs_a_valid_start_parameter(api: FakeBotApi) -> None:
    bad = await answer(api, [], button={"text": "Hi", "start_parameter": "has space"})
    assert bad.status_code == 400
    ok = await answer(api, [], button={"text": "Hi", "start_parameter": "inline"})
    assert ok.status_code == 200


def test_photos_are_checked_for_kind_and_shape() -> None:
    assert inspect_photo(png(1024, 1280)).width == 1024
    for bad in (b"", b"GIF89a....", png(10, 250), png(6000, 5000)):
        with pytest.raises(PhotoError):
            inspect_photo(bad)


async def album(api: FakeBotApi, photos: list[bytes], captions: list[str | None]) -> httpx.Response:
    media = [
        {
            "type": "photo",
            "media": f"attach://p{i}",
            "parse_mode": "HTML",
            **({"caption": c} if c else {}),
        }
        for i, c in enumerate(captions)
    ]
    files = {f"p{i}": (f"p{i}.png", io.BytesIO(p), "image/png") for i, p in enumerate(photos)}
    import json

    async with httpx.AsyncClient() as client:
        return await client.post(
            f"{api.base_url}{TOKEN}/sendMediaGroup",
            data={"chat_id": "42", "media": json.dumps(media)},
            files=files,
        )


async def test_an_album_of_valid_photos_is_sent_as_one_group(api: FakeBotApi) -> None:
    sent = await album(api, [png(1024, 1280), png(1024, 1280)], ["<b>Key</b> figures", None])
    assert sent.status_code == 200, sent.text
    messages = sent.json()["result"]
    assert len(messages) == 2
    assert messages[0]["media_group_id"] == messages[1]["media_group_id"]
    assert messages[0]["photo"][0]["width"] == 1024
    assert messages[0]["caption"] == "Key figures"


@pytest.mark.parametrize(
    ("photos", "captions"),
    [
        ([png(100, 100)], [None]),  # one item is not an album
        ([png(100, 100)] * 11, [None] * 11),
        ([png(100, 100), b"not an image"], [None, None]),
        ([png(100, 100), png(100, 100)], ["x" * 1025, None]),
        ([png(100, 100), png(100, 100)], ["<b>open", None]),
    ],
)
async def test_a_bad_album_is_refused_whole(
    api: FakeBotApi, photos: list[bytes], captions: list[str | None]
) -> None:
    refused = await album(api, photos, captions)
    assert refused.status_code == 400
    assert not any(m.photo for m in api.messages.values())
