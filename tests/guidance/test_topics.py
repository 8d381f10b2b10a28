"""Topic and lexicon files: the shipped content is valid; broken files are named precisely."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.guidance import ACTIONS, LANGS, ContentError, check_lexicon, check_topics, load_topics
from bot.guidance.topics import MAX_ANSWER

TOPIC_IDS = {
    "what-is-esignature",
    "transfer-risks",
    "liability",
    "employee-left",
    "lost-key",
    "password-safety",
    "remote-issuance",
    "revocation",
    "status-expiry",
    "fraud-schemes",
    "safe-storage",
    # Issue 12: the questions people really ask.
    "unrequested-keys",
    "identity-misuse",
    "change-password",
    "representatives",
    "egov-mobile-and-sms",
    "technical-help",
}


def test_shipped_content_is_valid(content_dir: Path) -> None:
    assert check_topics(content_dir) == []
    assert check_lexicon(content_dir) == []


def test_shipped_topics(content_dir: Path) -> None:
    topics = load_topics(content_dir)
    missing = TOPIC_IDS - set(topics)
    assert not missing, f"topics missing: {sorted(missing)}"
    assert set(topics) == TOPIC_IDS
    for topic in topics.values():
        assert set(topic.texts) == set(LANGS)
        assert set(topic.actions) <= ACTIONS
        assert topic.id not in topic.related


@pytest.fixture
def copy(tmp_path: Path, content_dir: Path) -> Path:
    """A private copy of the content to break."""
    shutil.copytree(content_dir, tmp_path / "content")
    return tmp_path / "content"


def _break(root: Path, topic: str, edit: Callable[[str], str]) -> list[str]:
    """Rewrite one topic file and return what check_topics says about the content."""
    path = root / "topics" / f"{topic}.toml"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    return check_topics(root)


def _in_english(edit: Callable[[str], str]) -> Callable[[str], str]:
    def apply(text: str) -> str:
        start = text.index("[en]")
        return text[:start] + edit(text[start:])

    return apply


def _cut_section(text: str, lang: str) -> str:
    start = text.index(f"[{lang}]")
    rest = text.find("\n[", start + 1)
    return text[:start] + (text[rest + 1 :] if rest != -1 else "")


def test_missing_language(copy: Path) -> None:
    problems = _break(copy, "lost-key", lambda t: _cut_section(t, "kk"))
    assert problems == ["topics/lost-key.toml: [kk]: missing language table"]


def test_missing_title_and_examples(copy: Path) -> None:
    def edit(text: str) -> str:
        text = text.replace('title = "Как отозвать ЭЦП"\n', "")
        start = text.index("examples", text.index("[ru]"))
        end = text.index("]\n", start)
        return text[:start] + text[end + 2 :]

    problems = _break(copy, "revocation", edit)
    assert "topics/revocation.toml: [ru].title: missing" in problems
    assert "topics/revocation.toml: [ru].examples: missing" in problems


def test_too_few_examples(copy: Path) -> None:
    def edit(text: str) -> str:
        start = text.index("examples", text.index("[en]"))
        end = text.index("]\n", start)
        return text[:start] + 'examples = ["one", "two"]\n' + text[end + 2 :]

    problems = _break(copy, "liability", edit)
    assert problems == ["topics/liability.toml: [en].examples: 2 examples, need 8 to 15"]


def test_answer_too_long(copy: Path) -> None:
    problems = _break(
        copy, "safe-storage", lambda t: t.replace("<b>Rules</b>", "<b>Rules</b>" + "x" * MAX_ANSWER)
    )
    assert len(problems) == 1
    assert problems[0].startswith("topics/safe-storage.toml: [en].answer: ")
    assert f"over {MAX_ANSWER}" in problems[0]


def test_unknown_related_and_action(copy: Path) -> None:
    def edit(text: str) -> str:
        text = text.replace('"employee-left"]', '"no-such-topic"]', 1)
        return text.replace('actions = ["revoke", "status"]', 'actions = ["revoke", "call"]')

    problems = _break(copy, "revocation", edit)
    assert "topics/revocation.toml: related: unknown topic 'no-such-topic'" in problems
    assert any(
        p.startswith("topics/revocation.toml: actions: unknown action 'call'") for p in problems
    )


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ("<b>Rules</b>", "<b>Rules", "<b> is never closed"),
        ("<b>Rules</b>", "<b>Rules</i>", "</i> at character"),
        ("<b>Rules</b>", "<h1>Rules</h1>", "tag <h1> is not allowed"),
        ("<b>Rules</b>", "<b>Rules & tips</b>", "unescaped '&'"),
        ("<b>Rules</b>", "<b>Rules</b> 1 < 2", "unescaped '<'"),
        ('<a href="https://pki.gov.kz">', "<a>", "<a> at character"),
    ],
)
def test_bad_html(copy: Path, old: str, new: str, fragment: str) -> None:
    problems = _break(copy, "safe-storage", _in_english(lambda t: t.replace(old, new, 1)))
    assert problems, "expected a problem"
    assert all(p.startswith("topics/safe-storage.toml: [en].answer: ") for p in problems)
    assert any(fragment in p for p in problems), problems


def test_not_toml(copy: Path) -> None:
    problems = _break(copy, "fraud-schemes", lambda t: t + "\nthis is = = not toml\n")
    assert len(problems) == 1
    assert problems[0].startswith("topics/fraud-schemes.toml: not valid TOML")


def test_unknown_key_is_named(copy: Path) -> None:
    problems = _break(copy, "lost-key", lambda t: t.replace("examples = [", "exmples = [", 1))
    assert "topics/lost-key.toml: [kk]: unknown keys ['exmples']" in problems


def test_load_topics_raises_with_every_problem(copy: Path) -> None:
    problems = _break(copy, "lost-key", lambda t: _cut_section(t, "en"))
    with pytest.raises(ContentError) as error:
        load_topics(copy)
    assert error.value.problems == problems


def test_lexicon_problems_are_named(copy: Path) -> None:
    concepts = copy / "guidance" / "concepts.toml"
    text = concepts.read_text(encoding="utf-8")
    text = text.replace("[signature]\nanchor = true", "[signature]\nanchor = 1")
    concepts.write_text(text, encoding="utf-8")
    (copy / "guidance" / "smalltalk.toml").unlink()
    problems = check_lexicon(copy)
    assert problems == [
        "guidance/smalltalk.toml: file is missing",
        "guidance/concepts.toml: [signature].anchor: must be true or false",
    ]


def test_topic_list_order_is_deliberate(content_dir: Path) -> None:
    order = list(load_topics(content_dir))
    assert order[0] == "what-is-esignature"
    assert order != sorted(order)


def test_order_file_must_name_every_topic_once(copy: Path) -> None:
    path = copy / "guidance" / "topic_order.toml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('    "technical-help",\n', "").replace(
        '"lost-key",', '"lost-key", "lost-key", "no-such-topic",'
    )
    path.write_text(text, encoding="utf-8")
    problems = check_topics(copy)
    assert "guidance/topic_order.toml: order: 'lost-key' listed twice" in problems
    assert "guidance/topic_order.toml: order: unknown topic 'no-such-topic'" in problems
    assert "guidance/topic_order.toml: order: missing ['technical-help']" in problems


def test_employee_left_leads_heads_to_org(content_dir: Path) -> None:
    topic = load_topics(content_dir)["employee-left"]
    assert topic.actions == ("org",)
    for lang in LANGS:
        assert "/org" in topic.text(lang).answer
