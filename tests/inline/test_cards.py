"""The inline cards' content checks, and cards made for topics that have none written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.guidance.content import DEFAULT_CONTENT_DIR
from bot.guidance.topics import load_topics
from bot.i18n import Texts
from bot.inline.cards import CardBook, check_cards, key_sentence, read_plan


@pytest.fixture
def content(tmp_path: Path) -> Path:
    return Path(shutil.copytree(DEFAULT_CONTENT_DIR, tmp_path / "content"))


def test_the_shipped_cards_pass_the_check() -> None:
    assert check_cards(DEFAULT_CONTENT_DIR) == []


def test_an_unknown_featured_card_or_topic_is_named(content: Path) -> None:
    (content / "inline" / "cards.toml").write_text(
        'featured = ["transfer-risks", "nope"]\n[opens]\nalready-shared = "gone-topic"\n',
        encoding="utf-8",
    )
    problems = check_cards(content)
    assert any("featured: unknown card 'nope'" in p for p in problems)
    assert any("[opens] already-shared: unknown topic 'gone-topic'" in p for p in problems)


def test_html_in_a_card_sentence_is_refused(content: Path) -> None:
    for lang in ("kk", "ru", "en"):
        path = content / "strings" / lang / "inline.toml"
        text = path.read_text(encoding="utf-8")
        path.write_text(
            text.replace('[cards.liability]\nkey = "', '[cards.liability]\nkey = "<b>x</b> '),
            encoding="utf-8",
        )
    problems = check_cards(content)
    assert any("cards.liability.key: plain text only" in p for p in problems)


def test_a_topic_without_a_written_card_gets_one_from_its_answer(content: Path) -> None:
    for lang in ("kk", "ru", "en"):
        path = content / "strings" / lang / "inline.toml"
        head, _, tail = path.read_text(encoding="utf-8").partition("[cards.liability]")
        rest = tail.split("\n[", 1)[1]
        path.write_text(head + "[" + rest, encoding="utf-8")
    assert check_cards(content) == []
    topics = load_topics(content)
    book = CardBook(Texts.load(content), topics, read_plan(content, []))
    card = book.card("liability", "en")
    assert card is not None
    assert card.title == topics["liability"].text("en").title
    assert card.key == key_sentence(topics["liability"].text("en").answer)
    assert "Open the full answer" in card.text


def test_the_key_sentence_is_the_first_bold_phrase_shortened() -> None:
    assert key_sentence("<b>Do this &amp; that.</b> Then more.") == "Do this & that."
    long = key_sentence("<b>" + "word " * 100 + "</b>")
    assert len(long) <= 200
    assert long.endswith("…")
    assert key_sentence("No bold here\nsecond line") == "No bold here"
