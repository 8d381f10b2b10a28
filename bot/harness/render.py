"""Bot messages as terminal text: formatting as ANSI styles, buttons as numbered choices."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.harness.records import MessageRecord

_STYLES = {
    "bold": ("\033[1m", "\033[22m"),
    "italic": ("\033[3m", "\033[23m"),
    "underline": ("\033[4m", "\033[24m"),
    "strikethrough": ("\033[9m", "\033[29m"),
    "code": ("\033[36m", "\033[39m"),
    "pre": ("\033[36m", "\033[39m"),
    "blockquote": ("\033[2m", "\033[22m"),
}


@dataclass(frozen=True)
class Choice:
    """A button the person can press by number."""

    label: str
    button: dict[str, Any]
    message: MessageRecord
    inline: bool


def render_text(text: str, entities: list[dict[str, Any]], *, color: bool) -> str:
    """Apply entities to text; offsets are UTF-16 units, so work on UTF-16 code units."""
    units = text.encode("utf-16-le")
    inserts: dict[int, list[str]] = {}
    for entity in entities:
        start, end = entity["offset"], entity["offset"] + entity["length"]
        style = _STYLES.get(entity["type"])
        if entity["type"] == "text_link":
            inserts.setdefault(end, []).append(f" ({entity.get('url')})")
        elif style and color:
            inserts.setdefault(start, []).append(style[0])
            inserts.setdefault(end, []).insert(0, style[1])
    out: list[str] = []
    last = 0
    for position in sorted(inserts):
        out.append(units[last * 2 : position * 2].decode("utf-16-le"))
        out.extend(inserts[position])
        last = position
    out.append(units[last * 2 :].decode("utf-16-le"))
    return "".join(out)


def render_message(
    record: MessageRecord, *, color: bool, first: int = 1
) -> tuple[str, list[Choice]]:
    """The message, and its buttons as choices numbered from `first`."""
    lines: list[str] = []
    if record.text is not None:
        lines.append(render_text(record.text, record.entities, color=color))
    if record.document is not None:
        lines.append(f"[document: {record.document.get('file_name')}]")
    if record.photo:
        largest = record.photo[-1]
        album = " in an album" if record.media_group_id else ""
        lines.append(f"[photo {largest.get('width')}×{largest.get('height')}{album}]")
    if (record.document is not None or record.photo) and record.caption:
        lines.append(record.caption)
    choices: list[Choice] = []
    buttons = [(b, True) for b in record.buttons] + [(b, False) for b in record.keyboard]
    for number, (button, inline) in enumerate(buttons, start=first):
        choice = Choice(button.get("text", ""), button, record, inline)
        choices.append(choice)
        mark = "" if inline else " ⌨"
        link = button.get("url") or (button.get("web_app") or {}).get("url")
        suffix = f" → {link}" if link else ""
        lines.append(f"  [{number}] {choice.label}{mark}{suffix}")
    return "\n".join(lines), choices
