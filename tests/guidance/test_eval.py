"""Matcher quality on held-out questions (tests/guidance/eval_set.toml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.guidance import LANGS, Matcher, Topic
from bot.guidance.lexicon import load_lexicon
from bot.guidance.text import Folder

MIN_ACCURACY = 0.95
MIN_REJECTION = 0.95
MIN_PER_LANGUAGE = 40
MIN_OFFTOPIC = 30


def _labelled(eval_set: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    return [(topic, q) for topic, questions in eval_set[lang].items() for q in questions]


def test_eval_set_is_big_enough_and_labelled_with_real_topics(
    eval_set: dict[str, Any], topics: dict[str, Topic]
) -> None:
    for lang in LANGS:
        cases = _labelled(eval_set, lang)
        assert len(cases) >= MIN_PER_LANGUAGE, lang
        assert {topic for topic, _ in cases} == set(topics), lang
    assert len(eval_set["offtopic"]["questions"]) >= MIN_OFFTOPIC


def test_eval_questions_are_not_examples(
    eval_set: dict[str, Any], topics: dict[str, Topic], content_dir: Path
) -> None:
    # Compared as skeletons, so a transliterated or re-cased copy counts as a copy too.
    folder = Folder.from_lexicon(load_lexicon(content_dir))

    def key(text: str) -> str:
        return " ".join(folder.words(text))

    known = {
        key(sample)
        for topic in topics.values()
        for text in topic.texts.values()
        for sample in (text.title, *text.examples)
    }
    questions = [q for lang in LANGS for _, q in _labelled(eval_set, lang)]
    questions += eval_set["offtopic"]["questions"]
    copied = [q for q in questions if key(q) in known]
    assert not copied
    assert len({key(q) for q in questions}) == len(questions), "duplicate eval questions"


@pytest.mark.parametrize("lang", [*LANGS, "all"])
def test_top1_accuracy(matcher: Matcher, eval_set: dict[str, Any], lang: str) -> None:
    cases = (
        [c for code in LANGS for c in _labelled(eval_set, code)]
        if lang == "all"
        else (_labelled(eval_set, lang))
    )
    misses = []
    for expected, question in cases:
        got = matcher.match(question).topic
        if got != expected:
            misses.append(f"{question!r}: expected {expected}, got {got}")
    accuracy = 1 - len(misses) / len(cases)
    assert accuracy >= MIN_ACCURACY, f"accuracy {accuracy:.3f}; misses:\n" + "\n".join(misses)


def test_offtopic_questions_get_no_topic(matcher: Matcher, eval_set: dict[str, Any]) -> None:
    questions = eval_set["offtopic"]["questions"]
    wrong = []
    for question in questions:
        result = matcher.match(question)
        if result.topic is not None or result.kind == "topic":
            wrong.append(f"{question!r} -> {result.topic}")
    rejection = 1 - len(wrong) / len(questions)
    assert rejection >= MIN_REJECTION, f"rejection {rejection:.3f}:\n" + "\n".join(wrong)


def test_language_of_eval_questions(matcher: Matcher, eval_set: dict[str, Any]) -> None:
    wrong = [
        f"{question!r}: {lang} detected as {result}"
        for lang in LANGS
        for _, question in _labelled(eval_set, lang)
        if (result := matcher.match(question).lang) != lang
    ]
    assert len(wrong) <= 0.05 * sum(len(_labelled(eval_set, lang)) for lang in LANGS), wrong
