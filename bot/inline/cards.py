"""Guidance cards for inline mode: which cards a query gets, in which language. No Telegram here.

A card is the short form of a topic's answer: its key sentence, what to do now, and the topic
whose full answer its button opens. Texts are in content/strings/<lang>/inline.toml; which cards
lead, and which topic a card not named like one opens, in content/inline/cards.toml.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.content import ContentError
from bot.guidance.api import Matcher, Topic
from bot.i18n import LANGS, Lang, Texts, as_lang
from bot.tghtml import MAX_MESSAGE_LENGTH, TelegramHTMLError, parse, utf16_len

CARDS_FILE = Path("inline") / "cards.toml"
STRINGS_FILE = Path("strings") / "en" / "inline.toml"
MAX_RESULTS = 50  # Telegram's limit per answer
# What a client shows of a result: one line of title, two or three of description.
TITLE_MAX = 64
KEY_MAX = 200
MAX_QUERY = 256  # Telegram's own limit on an inline query
# Deep-link payloads are at most 64 characters of A-Z a-z 0-9 _ -.
LINK_PREFIX = "t-"
_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")
_BOLD = re.compile(r"<b>(.*?)</b>", re.S)
_ELLIPSIS = "…"


@dataclass(frozen=True)
class Card:
    id: str
    topic: str
    title: str  # plain text
    key: str  # plain text: the answer's key sentence
    text: str  # Telegram HTML: the message posted in the chat


@dataclass(frozen=True)
class Selection:
    lang: Lang
    # True when the query's own words chose the language: then the same query gets the same
    # results for everyone, and Telegram may share them between users.
    from_query: bool
    cards: tuple[Card, ...]


@dataclass(frozen=True)
class CardPlan:
    featured: tuple[str, ...]
    opens: Mapping[str, str]  # card id → topic id, for cards not named like a topic


def read_plan(content_dir: Path, problems: list[str]) -> CardPlan:
    path = content_dir / CARDS_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        problems.append(f"{CARDS_FILE}: cannot read: {exc}")
        return CardPlan((), {})
    featured = data.get("featured", [])
    opens = data.get("opens", {})
    if not isinstance(featured, list) or not all(isinstance(f, str) for f in featured):
        problems.append(f"{CARDS_FILE}: featured: must be a list of card ids")
        featured = []
    if not isinstance(opens, dict) or not all(isinstance(v, str) for v in opens.values()):
        problems.append(f"{CARDS_FILE}: [opens]: must map card ids to topic ids")
        opens = {}
    return CardPlan(tuple(featured), dict(opens))


def link_payload(topic_id: str) -> str:
    return LINK_PREFIX + topic_id


def plain(html_text: str) -> str:
    """Telegram HTML as the plain text a client shows."""
    return parse(html_text).text


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if utf16_len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:—-")
    return cut + _ELLIPSIS


def key_sentence(answer_html: str) -> str:
    """The first bold phrase of an answer (answers lead with it), else its first line."""
    match = _BOLD.search(answer_html)
    first = match.group(1) if match else answer_html.strip().splitlines()[0]
    try:
        text = plain(first)
    except TelegramHTMLError:
        text = re.sub(r"<[^>]*>", "", first)
    return _shorten(text, KEY_MAX)


class CardBook:
    """Every card in every language, built once at start from the topics and the texts."""

    def __init__(self, texts: Texts, topics: Mapping[str, Topic], plan: CardPlan) -> None:
        self._topics = topics
        self._opens = {card: topic for card, topic in plan.opens.items() if topic in topics}
        self._by_topic: dict[str, list[str]] = {topic: [topic] for topic in topics}
        for card, topic in self._opens.items():
            self._by_topic[topic].append(card)
        self._cards: dict[tuple[str, Lang], Card] = {}
        for card_id in [*topics, *self._opens]:
            for lang in LANGS:
                self._cards[(card_id, lang)] = self._build(texts, card_id, lang)
        self._featured = tuple(f for f in plan.featured if (f, LANGS[0]) in self._cards)

    @classmethod
    def load(cls, content_dir: Path, texts: Texts, topics: Mapping[str, Topic]) -> CardBook:
        problems: list[str] = []
        plan = read_plan(content_dir, problems)
        if problems:
            raise ContentError(problems)
        return cls(texts, topics, plan)

    def _build(self, texts: Texts, card_id: str, lang: Lang) -> Card:
        topic_id = self._opens.get(card_id, card_id)
        base = f"inline.cards.{card_id}"
        answer = self._topics[topic_id].text(lang)
        title = texts.get(lang, f"{base}.title") if texts.has(f"{base}.title") else answer.title
        if texts.has(f"{base}.key"):
            key = texts.get(lang, f"{base}.key")
        else:
            key = key_sentence(answer.answer)
        todo = (
            texts.get(lang, f"{base}.todo")
            if texts.has(f"{base}.todo")
            else texts.get(lang, "inline.fallback_todo")
        )
        # Texts escape parameters: key and todo go into the HTML template as plain text.
        text = texts.get(lang, "inline.message", point=key, todo=todo)
        return Card(card_id, topic_id, _shorten(title, TITLE_MAX), key, text)

    def card(self, card_id: str, lang: Lang) -> Card | None:
        return self._cards.get((card_id, lang))

    def topic_of(self, card_id: str) -> str | None:
        card = self._cards.get((card_id, LANGS[0]))
        return card.topic if card else None

    def featured(self, lang: Lang) -> tuple[Card, ...]:
        return tuple(self._cards[(f, lang)] for f in self._featured)

    def for_topics(self, topic_ids: Sequence[str], lang: Lang) -> tuple[Card, ...]:
        seen: dict[str, Card] = {}
        for topic in topic_ids:
            for card_id in self._by_topic.get(topic, ()):
                seen.setdefault(card_id, self._cards[(card_id, lang)])
        return tuple(seen.values())[:MAX_RESULTS]

    def select(self, matcher: Matcher, query: str, fallback_lang: Lang) -> Selection:
        """Cards for a query: the matched topic's, then its alternatives'; the featured ones
        when the query is empty or names no topic."""
        text = query.strip()[:MAX_QUERY]
        if not text:
            return Selection(fallback_lang, False, self.featured(fallback_lang))
        result = matcher.match(text)
        detected = as_lang(result.lang)
        lang = detected or fallback_lang
        topics = [result.topic] if result.kind == "topic" and result.topic else []
        topics.extend(topic for topic, _ in result.alternatives)
        cards = self.for_topics(topics, lang) or self.featured(lang)
        return Selection(lang, detected is not None, cards)


def check_cards(content_dir: Path) -> list[str]:
    """Problems in the inline cards; the strings check already covers missing languages."""
    from bot.guidance.api import load_topics

    problems: list[str] = []
    plan = read_plan(content_dir, problems)
    try:
        topics = load_topics(content_dir)
        texts = Texts.load(content_dir)
    except (ContentError, ValueError):
        return problems  # the topics and strings checks name those problems
    for card_id, topic in plan.opens.items():
        if topic not in topics:
            problems.append(f"{CARDS_FILE}: [opens] {card_id}: unknown topic {topic!r}")
        if not texts.has(f"inline.cards.{card_id}.title"):
            problems.append(f"{STRINGS_FILE}: cards.{card_id}: needs a title (not a topic)")
    known = set(topics) | set(plan.opens)
    for card_id in plan.featured:
        if card_id not in known:
            problems.append(f"{CARDS_FILE}: featured: unknown card {card_id!r}")
    for card_id in _string_cards(content_dir):
        if card_id not in known:
            problems.append(f"{STRINGS_FILE}: cards.{card_id}: neither a topic nor in [opens]")
    for topic_id in topics:
        if not _PAYLOAD.fullmatch(link_payload(topic_id)):
            problems.append(f"topics/{topic_id}.toml: id too long for a deep link")
    if problems:
        return problems
    book = CardBook(texts, topics, plan)
    for card_id in sorted(known):
        for lang in LANGS:
            card = book.card(card_id, lang)
            assert card is not None
            problems.extend(_card_problems(card, lang, texts))
    return problems


def _card_problems(card: Card, lang: Lang, texts: Texts) -> list[str]:
    where = f"strings/{lang}/inline.toml: cards.{card.id}"
    problems = []
    for field in ("title", "key", "todo"):
        key = f"inline.cards.{card.id}.{field}"
        if texts.has(key) and any(c in texts.get(lang, key) for c in "<>&"):
            problems.append(f"{where}.{field}: plain text only (it is also a result's {field})")
    if utf16_len(card.key) > KEY_MAX:
        problems.append(f"{where}.key: {utf16_len(card.key)} characters, over {KEY_MAX}")
    if texts.has(f"inline.cards.{card.id}.title") and utf16_len(card.title) > TITLE_MAX:
        problems.append(f"{where}.title: over {TITLE_MAX} characters")
    try:
        if utf16_len(plain(card.text)) > MAX_MESSAGE_LENGTH:
            problems.append(f"{where}: the card is over {MAX_MESSAGE_LENGTH} characters")
    except TelegramHTMLError as exc:
        problems.append(f"{where}: Telegram would refuse the card: {exc}")
    return problems


def _string_cards(content_dir: Path) -> list[str]:
    path = content_dir / STRINGS_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []
    cards = data.get("cards", {})
    return sorted(cards) if isinstance(cards, dict) else []
