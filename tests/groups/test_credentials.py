"""The credential detector on labelled work-chat messages in Kazakh, Russian and English."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest

from bot.core.credentials import check_content, detector, read_detector, tokenize
from bot.i18n import CONTENT_DIR

HERE = Path(__file__).parent
TUNED = "labelled_messages.toml"
HOLDOUT = "holdout_messages.toml"


def _load(name: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = tomllib.loads((HERE / name).read_text(encoding="utf-8"))[
        "message"
    ]
    return messages


def _scores(messages: list[dict[str, Any]]) -> tuple[float, float, list[str]]:
    found = detector()
    tp = fp = fn = 0
    mistakes = []
    for message in messages:
        flagged = found.shares_secret(message["text"])
        if flagged and message["shares"]:
            tp += 1
        elif flagged:
            fp += 1
            mistakes.append(f"false alarm: {message['text']!r}")
        elif message["shares"]:
            fn += 1
            mistakes.append(f"missed: {message['text']!r}")
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, mistakes


def test_the_labelled_sets_are_large_and_cover_three_languages() -> None:
    messages = _load(TUNED) + _load(HOLDOUT)
    assert len(messages) >= 100
    assert len({m["text"] for m in messages}) == len(messages)
    for lang in ("kk", "ru", "en"):
        assert {m["shares"] for m in messages if m["lang"] == lang} == {True, False}


@pytest.mark.parametrize(
    ("name", "min_precision", "min_recall"),
    [(TUNED, 0.95, 0.9), (HOLDOUT, 0.9, 0.85), (None, 0.95, 0.9)],
    ids=["tuned", "holdout", "all"],
)
def test_precision_and_recall(name: str | None, min_precision: float, min_recall: float) -> None:
    messages = _load(name) if name else _load(TUNED) + _load(HOLDOUT)
    precision, recall, mistakes = _scores(messages)
    print(
        f"\n{name or 'all labelled messages'}: {len(messages)} messages, "
        f"precision {precision:.3f}, recall {recall:.3f}"
    )
    for mistake in mistakes:
        print(f"  {mistake}")
    assert precision >= min_precision
    assert recall >= min_recall


@pytest.mark.parametrize(
    "text",
    [
        "подпиши документ ЭЦП",
        "ЭЦП истекает, продлите",
        "скинь пароль от wifi",
        "пароль 123456",  # no e-signature in sight: not the guard's business
        "",
        "   ",
        "ЭЦП" * 2000,
    ],
)
def test_ordinary_messages_pass(text: str) -> None:
    assert not detector().shares_secret(text)


@pytest.mark.parametrize(
    "text",
    [
        "пароль от эцп 123456",
        "ЭЦҚ құпия сөзі: 123456",
        "ecp password is 123456",
        "пароль:Qwerty12 от ЭЦП",  # no space after the colon
        "ЭЦП\nпароль\n123456",
        "ПАРОЛЬ ОТ ЭЦП «Aa123456»",
    ],
)
def test_shared_secrets_are_caught(text: str) -> None:
    assert detector().shares_secret(text)


def test_a_time_is_not_split_at_its_colon() -> None:
    assert [t.text for t in tokenize("в 10:00 пароль:x")] == ["в", "10:00", "пароль", ":", "x"]


def test_shipped_vocabulary_is_valid() -> None:
    assert check_content(CONTENT_DIR) == []


def test_broken_vocabulary_is_named(tmp_path: Path) -> None:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR / "core", target / "core")
    path = target / "core" / "credentials.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("'парол\\w*'", "'парол(\\w*'"),
        encoding="utf-8",
    )
    problems = check_content(target)
    assert len(problems) == 1
    assert "patterns.secret[1] 'парол(\\\\w*'" in problems[0]
    with pytest.raises(ValueError, match=r"credentials\.toml"):
        read_detector(target)


def test_missing_vocabulary_is_named(tmp_path: Path) -> None:
    assert check_content(tmp_path)[0].endswith("cannot read: No such file or directory")
