"""Guidance topics: one TOML file per topic in content/topics/, loaded and validated here."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, TypeAlias, get_args

from bot.content import ContentError
from bot.digest import files_digest
from bot.guidance.content import display_name, read_toml, string_list
from bot.guidance.markup import html_problems
from bot.i18n import LANGS, Lang

Action: TypeAlias = Literal["password", "status", "revoke", "org"]
ACTIONS: frozenset[Action] = frozenset(get_args(Action))

TOPICS_DIR = "topics"
# The topic list is shown in this order, not in file-name order.
ORDER_FILE = "guidance/topic_order.toml"
MAX_TITLE = 40  # a button label
MAX_ANSWER = 1200  # characters of HTML, a screenful on a phone
MIN_EXAMPLES, MAX_EXAMPLES = 8, 15
MIN_RELATED, MAX_RELATED = 2, 3
_TOPIC_ID = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
_TOP_KEYS = frozenset({"related", "actions", *LANGS})
_TEXT_KEYS = frozenset({"title", "answer", "examples"})


@dataclass(frozen=True)
class TopicText:
    title: str
    answer: str  # Telegram HTML
    examples: tuple[str, ...]


@dataclass(frozen=True)
class Topic:
    id: str
    related: tuple[str, ...]
    actions: tuple[Action, ...]
    texts: Mapping[Lang, TopicText] = field(hash=False)

    def text(self, lang: Lang) -> TopicText:
        return self.texts[lang]


def _text(table: Any, where: str, problems: list[str]) -> TopicText | None:
    if not isinstance(table, dict):
        problems.append(f"{where}: missing language table")
        return None
    unknown = set(table) - _TEXT_KEYS
    if unknown:
        problems.append(f"{where}: unknown keys {sorted(unknown)}")
    title, answer = table.get("title"), table.get("answer")
    if not isinstance(title, str) or not title.strip():
        problems.append(f"{where}.title: missing")
        title = ""
    elif len(title) > MAX_TITLE:
        problems.append(f"{where}.title: {len(title)} characters, over {MAX_TITLE}")
    if not isinstance(answer, str) or not answer.strip():
        problems.append(f"{where}.answer: missing")
        answer = ""
    else:
        if len(answer) > MAX_ANSWER:
            problems.append(f"{where}.answer: {len(answer)} characters, over {MAX_ANSWER}")
        problems.extend(f"{where}.answer: {p}" for p in html_problems(answer))
    if "examples" not in table:
        problems.append(f"{where}.examples: missing")
        examples: tuple[str, ...] = ()
    else:
        examples = string_list(table["examples"], f"{where}.examples", problems)
        if examples and not MIN_EXAMPLES <= len(examples) <= MAX_EXAMPLES:
            problems.append(
                f"{where}.examples: {len(examples)} examples, need {MIN_EXAMPLES} to {MAX_EXAMPLES}"
            )
    return TopicText(title.strip(), answer.strip(), examples)


def _topic(path: Path, problems: list[str]) -> Topic | None:
    name = display_name(path)
    if not _TOPIC_ID.fullmatch(path.stem):
        problems.append(f"{name}: file name must be a topic id like lost-key")
    data = read_toml(path, problems)
    if data is None:
        return None
    unknown = set(data) - _TOP_KEYS
    if unknown:
        problems.append(f"{name}: unknown keys {sorted(unknown)}")
    related = string_list(data.get("related"), f"{name}: related", problems)
    if related and not MIN_RELATED <= len(related) <= MAX_RELATED:
        problems.append(f"{name}: related: {len(related)} ids, need {MIN_RELATED} to {MAX_RELATED}")
    if path.stem in related:
        problems.append(f"{name}: related: lists the topic itself")
    actions = string_list(data.get("actions", []), f"{name}: actions", problems, allow_empty=True)
    for action in actions:
        if action not in ACTIONS:
            problems.append(
                f"{name}: actions: unknown action {action!r} (known: {sorted(ACTIONS)})"
            )
    texts: dict[Lang, TopicText] = {}
    for lang in LANGS:
        text = _text(data.get(lang), f"{name}: [{lang}]", problems)
        if text is not None:
            texts[lang] = text
    if len(texts) != len(LANGS):
        return None
    valid_actions = tuple(a for a in ACTIONS if a in actions)
    return Topic(path.stem, related, valid_actions, MappingProxyType(texts))


def _read(content_dir: Path) -> tuple[dict[str, Topic], list[str]]:
    problems: list[str] = []
    folder = content_dir / TOPICS_DIR
    paths = sorted(folder.glob("*.toml"))
    if not paths:
        problems.append(f"{TOPICS_DIR}/: no topic files in {folder}")
    topics: dict[str, Topic] = {}
    for path in paths:
        topic = _topic(path, problems)
        if topic is not None:
            topics[topic.id] = topic
    known = {path.stem for path in paths}
    for topic in topics.values():
        for other in topic.related:
            if other not in known:
                problems.append(f"{TOPICS_DIR}/{topic.id}.toml: related: unknown topic {other!r}")
    order = _order(content_dir, known, problems)
    ordered = {topic_id: topics[topic_id] for topic_id in order if topic_id in topics}
    return ordered, problems


def _order(content_dir: Path, known: set[str], problems: list[str]) -> list[str]:
    """The listed order; a topic the file forgets is a problem (and goes last, by name)."""
    data = read_toml(content_dir / ORDER_FILE, problems)
    listed = string_list(data.get("order"), f"{ORDER_FILE}: order", problems) if data else ()
    order: list[str] = []
    for topic_id in listed:
        if topic_id not in known:
            problems.append(f"{ORDER_FILE}: order: unknown topic {topic_id!r}")
        elif topic_id in order:
            problems.append(f"{ORDER_FILE}: order: {topic_id!r} listed twice")
        else:
            order.append(topic_id)
    missing = sorted(known - set(order))
    if missing:
        problems.append(f"{ORDER_FILE}: order: missing {missing}")
    return order + missing


def check_topics(content_dir: Path) -> list[str]:
    """Problems in content/topics/, each naming file and key; empty when all is well."""
    return _read(content_dir)[1]


def load_topics(content_dir: Path) -> Mapping[str, Topic]:
    """Topics by id, or ContentError listing every problem.

    Read once per process for the same files (the key is their bytes, as for the matcher) and
    shared read-only: every Application the test suite starts would read and check them again.
    """
    return _shared_topics(
        content_dir.resolve(), files_digest(content_dir, TOPICS_DIR, Path(ORDER_FILE).parent.name)
    )


@lru_cache(maxsize=4)
def _shared_topics(content_dir: Path, _digest: str) -> Mapping[str, Topic]:
    topics, problems = _read(content_dir)
    if problems:
        raise ContentError(problems)
    return MappingProxyType(topics)
