"""Matcher behaviour beyond accuracy: small talk, honest fallback, result shape, isolation."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.guidance import Matcher, MatcherConfig, load_lexicon, load_topics


@pytest.mark.parametrize(
    "text",
    [
        "привет",
        "Здравствуйте!",
        "добрый день",
        "сәлем",
        "Сәлеметсіз бе",
        "hello",
        "Hi there",
        "hey",
    ],
)
def test_greetings(matcher: Matcher, text: str) -> None:
    result = matcher.match(text)
    assert (result.kind, result.topic, result.alternatives) == ("greeting", None, [])


@pytest.mark.parametrize(
    "text",
    [
        "спасибо",
        "Спасибо большое!",
        "спс",
        "рахмет",
        "Көп рахмет!",
        "рақмет",
        "thanks",
        "thank you",
    ],
)
def test_thanks(matcher: Matcher, text: str) -> None:
    result = matcher.match(text)
    assert (result.kind, result.topic) == ("thanks", None)


def test_greeting_does_not_hide_a_question(matcher: Matcher) -> None:
    result = matcher.match("Привет! Потерял флешку с ЭЦП, что делать?")
    assert (result.kind, result.topic) == ("topic", "lost-key")


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("можно ли дать эцп бухгалтеру?", "transfer-risks"),
        ("ЭЦҚ-ны жоғалтып алдым", "lost-key"),
        ("ЭЦП-шку украли", "lost-key"),
        ("заблокировть эцп", "revocation"),  # typo
        ("Потерял телефон, а там был ключ ЭЦП", "lost-key"),  # a foreign word beside an anchor
        ("забыл пароль", "lost-key"),
    ],
)
def test_spot_checks(matcher: Matcher, text: str, topic: str) -> None:
    assert matcher.match(text).topic == topic


@pytest.mark.parametrize(
    "text", ["", "   ", "???", "1234567890", "asdfgh qwerty zxcvb", "забыл пароль от почты"]
)
def test_honest_fallback(matcher: Matcher, text: str) -> None:
    result = matcher.match(text)
    assert result.kind == "none"
    assert result.topic is None


def test_result_shape(matcher: Matcher) -> None:
    result = matcher.match("как отозвать эцп если сотрудник уволился")
    assert result.kind == "topic"
    assert result.topic in {"revocation", "employee-left"}
    assert result.lang == "ru"
    assert 0 < result.score <= 1
    others = [topic for topic, _ in result.alternatives]
    assert result.topic not in others
    assert len(others) == len(set(others)) <= matcher.config.max_alternatives
    scores = [score for _, score in result.alternatives]
    assert scores == sorted(scores, reverse=True)
    assert all(score <= result.score for score in scores)


def test_unmatched_question_can_still_suggest_topics(matcher: Matcher) -> None:
    result = matcher.match("эцп")
    assert result.lang == "ru"
    if result.topic is None:
        assert all(score > 0 for _, score in result.alternatives)


def test_long_text_is_bounded(matcher: Matcher) -> None:
    text = "потерял ключ эцп " + "очень " * 10_000
    assert matcher.match(text).topic == "lost-key"


def test_config_is_honoured(content_dir: Path) -> None:
    strict = Matcher(
        load_topics(content_dir), load_lexicon(content_dir), MatcherConfig(min_score=0.99)
    )
    assert strict.match("можно ли дать эцп бухгалтеру?").topic is None


def test_shared_matcher_is_built_once_per_content(content_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "content"
    shutil.copytree(content_dir, copy)
    first = Matcher.shared(copy)
    assert Matcher.shared(copy) is first
    assert first.match("зелёный дирижабль улетел").topic is None

    # Edited content is not served from the old matcher.
    topic = copy / "topics" / "lost-key.toml"
    text = topic.read_text(encoding="utf-8")
    topic.write_text(
        text.replace("examples = [\n", 'examples = [\n    "Зелёный дирижабль улетел",\n', 1),
        encoding="utf-8",
    )
    edited = Matcher.shared(copy)
    assert edited is not first
    assert edited.match("зелёный дирижабль улетел").topic == "lost-key"


def test_guidance_never_imports_telegram() -> None:
    code = (
        "import sys, bot.guidance; "
        "bot.guidance.Matcher.from_content().match('эцп'); "
        "assert not any(m == 'telegram' or m.startswith('telegram.') for m in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
