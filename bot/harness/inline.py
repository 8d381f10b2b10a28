"""answerInlineQuery as the Bot API checks it: the results' count, ids, texts and buttons.

Telegram documents the count (50), the id (1-64 bytes), the message text (4096 characters after
parsing) and the button fields; it documents no length for a result's title or description.
Clients show one line of title and two or three of description, so the harness refuses titles
over TITLE_MAX and descriptions over DESCRIPTION_MAX: stricter than Telegram, on purpose.
"""

from __future__ import annotations

import re
from typing import Any

from bot.tghtml import MAX_MESSAGE_LENGTH, TelegramHTMLError, parse, utf16_len

MAX_RESULTS = 50
MAX_RESULT_ID_BYTES = 64
MAX_NEXT_OFFSET_BYTES = 64
TITLE_MAX = 64
DESCRIPTION_MAX = 200
_START_PARAMETER = re.compile(r"[A-Za-z0-9_-]{1,64}")
_ARTICLE_KEYS = frozenset(
    {
        "type",
        "id",
        "title",
        "description",
        "input_message_content",
        "reply_markup",
        "url",
        "thumbnail_url",
        "thumbnail_width",
        "thumbnail_height",
    }
)


class InlineAnswerError(ValueError):
    """What the Bot API would answer: "Bad Request: ..."."""


def check_results(results: Any) -> list[dict[str, Any]]:
    """The results, or InlineAnswerError naming the first problem."""
    if not isinstance(results, list):
        raise InlineAnswerError("can't parse inline query results JSON object")
    if len(results) > MAX_RESULTS:
        raise InlineAnswerError("RESULTS_TOO_MUCH")
    seen: set[str] = set()
    for result in results:
        if not isinstance(result, dict):
            raise InlineAnswerError("can't parse inline query result")
        result_id = str(result.get("id") or "")
        if not 1 <= len(result_id.encode()) <= MAX_RESULT_ID_BYTES:
            raise InlineAnswerError("RESULT_ID_INVALID")
        if result_id in seen:
            raise InlineAnswerError("RESULT_ID_DUPLICATE")
        seen.add(result_id)
        if result.get("type") != "article":
            raise InlineAnswerError(f"unsupported result type {result.get('type')!r} in harness")
        _check_article(result)
    return results


def _check_article(result: dict[str, Any]) -> None:
    unknown = set(result) - _ARTICLE_KEYS
    if unknown:
        raise InlineAnswerError(f"unknown fields {sorted(unknown)} in an article result")
    title = result.get("title")
    if not isinstance(title, str) or not title.strip():
        raise InlineAnswerError("RESULT_TITLE_EMPTY")
    if utf16_len(title) > TITLE_MAX:
        raise InlineAnswerError(f"title over {TITLE_MAX} characters (harness limit)")
    description = result.get("description")
    if description is not None and (
        not isinstance(description, str) or utf16_len(description) > DESCRIPTION_MAX
    ):
        raise InlineAnswerError(f"description over {DESCRIPTION_MAX} characters (harness limit)")
    content = result.get("input_message_content")
    if not isinstance(content, dict) or not isinstance(content.get("message_text"), str):
        raise InlineAnswerError("MESSAGE_EMPTY")
    check_message_text(content["message_text"], content.get("parse_mode"))


def check_message_text(raw: str, parse_mode: object) -> None:
    mode = str(parse_mode or "").upper()
    if mode == "HTML":
        try:
            text = parse(raw).text
        except TelegramHTMLError as exc:
            raise InlineAnswerError(str(exc)) from None
    elif mode:
        raise InlineAnswerError(f"unsupported parse_mode {mode} in this harness")
    else:
        text = raw
    if not text.strip():
        raise InlineAnswerError("MESSAGE_EMPTY")
    if utf16_len(text) > MAX_MESSAGE_LENGTH:
        raise InlineAnswerError("MESSAGE_TOO_LONG")


def check_button(button: Any) -> None:
    """The button above the results (InlineQueryResultsButton)."""
    if button is None:
        return
    if not isinstance(button, dict) or not str(button.get("text") or "").strip():
        raise InlineAnswerError("BUTTON_TEXT_INVALID")
    start = button.get("start_parameter")
    if start is not None and not _START_PARAMETER.fullmatch(str(start)):
        raise InlineAnswerError("START_PARAM_INVALID")
    if start is None and "web_app" not in button:
        raise InlineAnswerError("BUTTON_TYPE_INVALID")


def check_next_offset(offset: Any) -> None:
    if offset is not None and len(str(offset).encode()) > MAX_NEXT_OFFSET_BYTES:
        raise InlineAnswerError("NEXT_OFFSET_INVALID")
