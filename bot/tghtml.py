"""Telegram's HTML parse mode, checked the way the Bot API checks it.

One parser serves three places: content validation, the fake Bot API (which refuses what
Telegram would refuse) and the terminal chat (which renders what Telegram would show).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_MESSAGE_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024

# Tag → the entity type Telegram creates for it.
_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TOKEN = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s[^<>]*)?)>|&([^;\s<>&]{1,10});|[<>&]")
_ATTR = re.compile(r'\s*([A-Za-z-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\'|([^\s"\'>]+))\s*')


class TelegramHTMLError(ValueError):
    """What the Bot API would answer: "Bad Request: can't parse entities: ..."."""


@dataclass(frozen=True)
class Entity:
    type: str
    offset: int  # in UTF-16 code units, as Telegram counts
    length: int
    url: str | None = None


@dataclass
class Parsed:
    text: str
    entities: list[Entity] = field(default_factory=list)

    @property
    def length(self) -> int:
        return utf16_len(self.text)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _attrs(raw: str, tag: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    pos = 0
    raw = raw.strip()
    while pos < len(raw):
        match = _ATTR.match(raw, pos)
        if not match:
            raise TelegramHTMLError(f"can't parse entities: bad attributes in <{tag}>")
        value = next(v for v in match.groups()[1:] if v is not None)
        attrs[match.group(1).lower()] = _unescape(value)
        pos = match.end()
    return attrs


def _unescape(text: str) -> str:
    out: list[str] = []
    pos = 0
    for match in re.finditer(r"&([^;\s]{1,10});", text):
        out.append(text[pos : match.start()])
        out.append(_entity(match.group(1)))
        pos = match.end()
    out.append(text[pos:])
    return "".join(out)


def _entity(name: str) -> str:
    if name in _NAMED_ENTITIES:
        return _NAMED_ENTITIES[name]
    try:
        if name.startswith(("#x", "#X")):
            return chr(int(name[2:], 16))
        if name.startswith("#"):
            return chr(int(name[1:]))
    except (ValueError, OverflowError):
        pass
    raise TelegramHTMLError(f"can't parse entities: unsupported entity &{name};")


def parse(html: str) -> Parsed:
    """Parse Telegram HTML into text and entities, or raise TelegramHTMLError."""
    text_parts: list[str] = []
    offset = 0
    stack: list[tuple[str, int, str | None]] = []
    entities: list[Entity] = []
    pos = 0
    for match in _TOKEN.finditer(html):
        chunk = html[pos : match.start()]
        text_parts.append(chunk)
        offset += utf16_len(chunk)
        pos = match.end()
        found = match.group(0)
        if found in "<>&":
            what = {"<": "unsupported start tag", ">": "unexpected '>'", "&": "unescaped '&'"}
            raise TelegramHTMLError(
                f"can't parse entities: {what[found]} at byte offset {match.start()}"
            )
        if match.group(4) is not None:
            char = _entity(match.group(4))
            text_parts.append(char)
            offset += utf16_len(char)
            continue
        closing, tag = match.group(1) == "/", match.group(2).lower()
        if tag not in _TAGS:
            raise TelegramHTMLError(f'can\'t parse entities: unsupported start tag "{tag}"')
        if closing:
            if not stack or stack[-1][0] != tag:
                raise TelegramHTMLError(
                    f"can't parse entities: can't find end tag corresponding to start tag \"{tag}\""
                    if stack
                    else f'can\'t parse entities: unexpected end tag "{tag}"'
                )
            open_tag, start, url = stack.pop()
            if offset > start:
                entities.append(Entity(_TAGS[open_tag], start, offset - start, url))
            continue
        attrs = _attrs(match.group(3) or "", tag)
        if tag == "span" and attrs.get("class") != "tg-spoiler":
            raise TelegramHTMLError('can\'t parse entities: unsupported start tag "span"')
        url = attrs.get("href") if tag == "a" else None
        if tag == "a" and not url:
            raise TelegramHTMLError("can't parse entities: <a> without href")
        stack.append((tag, offset, url))
    if stack:
        tag = stack[-1][0]
        raise TelegramHTMLError(
            f"can't parse entities: can't find end tag corresponding to start tag \"{tag}\""
        )
    text_parts.append(html[pos:])
    return Parsed("".join(text_parts), sorted(entities, key=lambda e: (e.offset, -e.length)))


def check_message(html: str, *, limit: int = MAX_MESSAGE_LENGTH) -> Parsed:
    """Parse and apply Telegram's rules for a message body: not empty, not over the limit."""
    parsed = parse(html)
    if not parsed.text.strip():
        raise TelegramHTMLError("message text is empty")
    if parsed.length > limit:
        raise TelegramHTMLError("message is too long")
    return parsed
