"""Everything the checker reads from content/passwords, read and assembled once per process."""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zxcvbn import matching as zxcvbn_matching
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from bot import content
from bot.i18n import CONTENT_DIR
from bot.passwords.dictionaries import (
    KINDS,
    MIN_WORD_LENGTH,
    Lexicon,
    Spelling,
    WordList,
    build_lexicon,
)
from bot.passwords.keyboard import AdjacencyGraph, Layout

# Names under which our additions sit next to zxcvbn's own dictionaries and graphs.
LEXICON = "kazakhstan"
CYRILLIC_GRAPH = "jcuken"


class PasswordContentError(content.ContentError):
    """content/passwords failed validation; `problems` names file and entry for each."""


@dataclass(frozen=True)
class Resources:
    spelling: Spelling
    lexicon: Lexicon
    word_lists: tuple[WordList, ...]  # what the lexicon was built from, in manifest order
    # zxcvbn's dictionaries plus ours, shared read-only by every check; user inputs are per check.
    dictionaries: Mapping[str, Mapping[str, int]]
    graphs: Mapping[str, AdjacencyGraph]
    standard_passwords: Mapping[str, str]  # password → key
    warning_keys: Mapping[str, str]  # zxcvbn's English text → key
    suggestion_keys: Mapping[str, str]


def read_resources(content_dir: Path) -> Resources:
    problems: list[str] = []
    base = content_dir / "passwords"
    layout_rows = _read_toml(base / "layout.toml", problems)
    folding = _read_folding(_read_toml(base / "folding.toml", problems), problems)
    standard = _read_toml(base / "standard.toml", problems).get("standard", {})
    feedback = _read_toml(base / "zxcvbn_feedback.toml", problems)
    manifest = _read_toml(base / "dictionaries.toml", problems).get("dictionary", [])
    lists = [_read_list(base, item, problems) for item in manifest]
    keyboard = _read_layout(layout_rows, problems)
    if keyboard is None or problems:
        raise PasswordContentError(problems)
    layout, graph = keyboard
    spelling = Spelling(layout, folding)
    lexicon = build_lexicon(lists, spelling)
    return Resources(
        spelling=spelling,
        lexicon=lexicon,
        word_lists=tuple(lists),
        dictionaries={
            **{name: zxcvbn_matching.RANKED_DICTIONARIES[name] for name in FREQUENCY_LISTS},
            LEXICON: lexicon.ranked,
        },
        graphs={**zxcvbn_matching.GRAPHS, CYRILLIC_GRAPH: graph},
        standard_passwords={password: key for key, password in standard.items()},
        warning_keys={text: key for key, text in feedback.get("warnings", {}).items()},
        suggestion_keys={text: key for key, text in feedback.get("suggestions", {}).items()},
    )


# The checker's data from the content directory in use, loaded on first use; call it at
# start-up to pay the cost there.
resources = content.per_directory(read_resources)


def check_content(content_dir: Path = CONTENT_DIR) -> list[str]:
    """Problems with content/passwords, for `esign-bot content check`; empty when all is well."""
    try:
        read_resources(content_dir)
    except PasswordContentError as exc:
        return exc.problems
    return []


def _read_layout(
    rows: Mapping[str, Any], problems: list[str]
) -> tuple[Layout, AdjacencyGraph] | None:
    try:
        layout = Layout.from_rows(
            rows["latin"], rows["latin_shift"], rows["cyrillic"], rows["cyrillic_shift"]
        )
        return layout, layout.cyrillic_graph()
    except (KeyError, TypeError, ValueError) as exc:
        problems.append(f"passwords/layout.toml: unusable: {exc!r}")
        return None


def _read_folding(data: Mapping[str, Any], problems: list[str]) -> dict[int, str]:
    try:
        table: dict[int, str] = str.maketrans(data.get("letters", {}))
    except (TypeError, ValueError) as exc:
        problems.append(f"passwords/folding.toml: unusable: {exc}")
        return {}
    return table


def _read_toml(path: Path, problems: list[str]) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        problems.append(f"passwords/{path.name}: unreadable: {exc}")
        return {}


def _read_list(base: Path, item: Mapping[str, Any], problems: list[str]) -> WordList:
    kind = str(item.get("kind"))
    name = str(item.get("file"))
    wrong_layout = item.get("wrong_layout", True)
    if kind not in KINDS:
        problems.append(f"passwords/dictionaries.toml: {name}: kind must be one of {KINDS}")
    if not isinstance(wrong_layout, bool):
        problems.append(f"passwords/dictionaries.toml: {name}: wrong_layout must be true or false")
    try:
        lines = (base / name).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"passwords/{name}: unreadable: {exc}")
        return WordList(kind, [], False)
    words: dict[str, None] = {}
    for number, line in enumerate(lines, start=1):
        word = line.strip()
        if not word:
            continue
        if word != unicodedata.normalize("NFC", word.lower()) or len(word) < MIN_WORD_LENGTH:
            problems.append(
                f"passwords/{name}:{number}: entries are lower case, NFC, "
                f"at least {MIN_WORD_LENGTH} characters"
            )
        if word in words:
            problems.append(f"passwords/{name}:{number}: {word} is listed twice")
        words[word] = None
    return WordList(kind, list(words), wrong_layout is True)
