"""A small check of the Telegram HTML that topic answers may use.

Guidance answers keep to a subset of Telegram's HTML: <b> <i> <u> <s> <code> <blockquote> and
<a href>. This is the one place content markup is checked; swap in bot.tghtml here when the
shared validator should also decide.
"""

from __future__ import annotations

import re

ALLOWED_TAGS = frozenset({"b", "i", "u", "s", "code", "a", "blockquote"})
_TOKEN = re.compile(
    r"<(/?)([A-Za-z][A-Za-z0-9-]*)([^<>]*)>|&(#\d+|#x[0-9A-Fa-f]+|[A-Za-z]+);|[<>&]"
)
_HREF = re.compile(r"""\s+href\s*=\s*("[^"]*"|'[^']*')\s*""")
_ENTITIES = frozenset({"lt", "gt", "amp", "quot"})


def html_problems(text: str) -> list[str]:
    """What Telegram (or our subset of it) would reject; empty when the markup is fine."""
    problems: list[str] = []
    stack: list[str] = []
    for match in _TOKEN.finditer(text):
        closing, tag, attrs, entity = match.groups()
        at = f"at character {match.start()}"
        if tag is None and entity is None:
            problems.append(f"unescaped {match.group(0)!r} {at} (write &lt; &gt; &amp;)")
        elif entity is not None:
            if not entity.startswith("#") and entity not in _ENTITIES:
                problems.append(f"unknown entity &{entity}; {at}")
        elif tag not in ALLOWED_TAGS:
            problems.append(f"tag <{tag}> is not allowed {at}")
        elif closing:
            if not stack or stack[-1] != tag:
                problems.append(f"</{tag}> {at} does not close an open <{tag}>")
            else:
                stack.pop()
        else:
            if tag == "a" and not _HREF.fullmatch(attrs):
                problems.append(f"<a> {at} needs exactly one quoted href")
            elif tag != "a" and attrs.strip():
                problems.append(f"<{tag}> {at} takes no attributes")
            stack.append(tag)
    problems.extend(f"<{tag}> is never closed" for tag in reversed(stack))
    return problems
