"""Checks for free text (names) that comes from files and certificates."""

import unicodedata

# Format characters (Cf) include the bidi overrides used to disguise text, so they go too.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
# Tabs and line breaks separate words; the invisible ones are dropped without a gap.
_BREAKING_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})


def has_control_characters(text: str) -> bool:
    """True if ``text`` holds control, format, surrogate, private-use or line-separator chars."""
    # isprintable() is False for every forbidden category, so most names skip the slow path.
    if text.isprintable():
        return False
    return any(unicodedata.category(char) in _FORBIDDEN_CATEGORIES for char in text)


def clean_text(text: str) -> str:
    """Remove forbidden characters and collapse runs of whitespace to one space."""
    if has_control_characters(text):
        kept: list[str] = []
        for char in text:
            category = unicodedata.category(char)
            if category in _BREAKING_CATEGORIES:
                kept.append(" ")
            elif category not in _FORBIDDEN_CATEGORIES:
                kept.append(char)
        text = "".join(kept)
    return " ".join(text.split())
