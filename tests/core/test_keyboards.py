"""A keyboard sent with many messages goes out exactly as PTB would send it."""

from __future__ import annotations

import copy
import json
import pickle

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, WebAppInfo
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.core.keyboards import SentOftenMarkup

ROWS = [
    [InlineKeyboardButton("Қалай қайтарып алуға болады?", callback_data="gd:t:revoke")],
    [
        InlineKeyboardButton("<b>Иә</b>", callback_data="gd:v:lost-key:1"),
        InlineKeyboardButton("No", url="https://t.me/bot?start=x"),
    ],
    [InlineKeyboardButton("Check", web_app=WebAppInfo("https://example.org/check"))],
]


def _sent(markup: InlineKeyboardMarkup) -> bytes:
    """The request body PTB builds for a message with this keyboard."""
    params = [
        RequestParameter.from_input("chat_id", 1),
        RequestParameter.from_input("reply_markup", markup),
    ]
    return RequestData(params).json_payload


def test_goes_out_as_ptb_sends_it_every_time() -> None:
    plain, often = InlineKeyboardMarkup(ROWS), SentOftenMarkup(ROWS)
    assert _sent(often) == _sent(plain)
    # Whatever a caller does to the dict it got, the next message carries the same keyboard.
    often.to_dict()["inline_keyboard"] = []
    assert _sent(often) == _sent(plain)
    keyboard = json.loads(json.loads(_sent(often))["reply_markup"])["inline_keyboard"]
    assert keyboard[1][0] == {"text": "<b>Иә</b>", "callback_data": "gd:v:lost-key:1"}


def test_behaves_as_a_markup() -> None:
    often = SentOftenMarkup(ROWS)
    assert often == InlineKeyboardMarkup(ROWS)
    plain = InlineKeyboardMarkup(ROWS)
    assert often.to_dict(recursive=False) == plain.to_dict(recursive=False)
    for twin in (copy.deepcopy(often), pickle.loads(pickle.dumps(often))):
        assert twin.to_dict() == plain.to_dict()
