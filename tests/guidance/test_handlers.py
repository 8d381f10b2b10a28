"""End to end: questions answered in their language, topics browsable, votes and unmatched
questions kept for editors."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.guidance.models import AnswerVote, UnmatchedQuestion
from bot.guidance.topics import load_topics
from bot.harness import BotHarness
from bot.i18n import CONTENT_DIR, Texts
from bot.tghtml import parse

TEXTS = Texts.load()
TOPICS = load_topics(CONTENT_DIR)


def _plain(html: str) -> str:
    return parse(html).text


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_every_topic_is_reachable_from_the_menu(harness: BotHarness, lang: str) -> None:
    user = harness.user(language_code=lang)
    menu = await user.send("/menu")
    listing = await user.press(TEXTS.get(lang, "guidance.menu_button"), message=menu.last)
    assert listing.text == TEXTS.get(lang, "guidance.topics_title")
    assert len(listing.last.buttons) == len(TOPICS) == 17
    # A deliberate order: what an e-signature is comes first.
    assert listing.last.buttons[0]["text"] == TOPICS["what-is-esignature"].text(lang).title
    for topic in TOPICS.values():
        shown = await user.press(topic.text(lang).title, message=listing.last)  # type: ignore[arg-type]
        assert shown.text == _plain(topic.text(lang).answer)  # type: ignore[arg-type]
        labels = [b["text"] for b in shown.last.buttons]
        assert TEXTS.get(lang, "guidance.helpful_yes") in labels


@pytest.mark.parametrize(
    ("question", "topic", "lang"),
    [
        ("можно ли дать эцп бухгалтеру?", "transfer-risks", "ru"),
        ("ЭЦҚ-ны жоғалтып алдым", "lost-key", "kk"),
        (
            "how do I get an e-signature online without going to a service center",
            "remote-issuance",
            "en",
        ),
        ("сотрудник уволился, что делать с его эцп", "employee-left", "ru"),
        # Issue 12's routing fixes.
        ("шеф требует скинуть ему ключ и пароль", "transfer-risks", "ru"),
        ("someone took a loan with my ecp", "identity-misuse", "en"),
        ("как отозвать эцп через egov mobile", "revocation", "ru"),
        ("как сменить пароль на эцп", "change-password", "ru"),
        # Markup and Latin fragments do not outvote the language most of the question is in.
        ('<a href="https://pki.gov.kz">как отозвать</a> <b>эцп</b>', "revocation", "ru"),
        ("NCALayer не видит ключ эцп", "technical-help", "ru"),
        ("<i>ЭЦҚ</i> құпиясөзін қалай ауыстырамын", "change-password", "kk"),
    ],
)
async def test_free_text_is_answered_in_the_questions_language(
    harness: BotHarness, question: str, topic: str, lang: str
) -> None:
    user = harness.user(language_code="en")  # the question's language wins when it is clear
    reply = await user.send(question)
    assert reply.text == _plain(TOPICS[topic].text(lang).answer)  # type: ignore[arg-type]


async def test_action_buttons_lead_to_the_feature(harness: BotHarness) -> None:
    user = harness.user(language_code="ru")
    reply = await user.send("как придумать надёжный пароль для ключа эцп")
    assert reply.text == _plain(TOPICS["password-safety"].text("ru").answer)
    started = await user.press(TEXTS.get("ru", "guidance.action.password"), message=reply.last)
    assert started.text == _plain(TEXTS.get("ru", "passwords.intro"))


async def test_off_topic_gets_the_honest_fallback_and_is_kept_without_digits(
    harness: BotHarness,
) -> None:
    user = harness.user(language_code="ru")
    reply = await user.send("какая погода завтра в Алматы, мой номер 87011234567")
    assert reply.text == _plain(TEXTS.get("ru", "guidance.no_match"))
    assert len(reply.last.buttons) == len(TOPICS)
    await user.send("Какая погода завтра в Алматы, мой номер 87019999999")
    async with harness.application.deps.sessionmaker() as session:
        rows = (await session.scalars(select(UnmatchedQuestion))).all()
    assert len(rows) == 1
    assert rows[0].count == 2
    assert not any(ch.isdigit() for ch in rows[0].text)


@pytest.mark.parametrize(
    ("text", "key"), [("привет", "greeting"), ("рахмет", "thanks"), ("thanks!", "thanks")]
)
async def test_small_talk(harness: BotHarness, text: str, key: str) -> None:
    reply = await harness.user(language_code="ru").send(text)
    assert reply.text in {TEXTS.get(lang, f"guidance.{key}") for lang in ("kk", "ru", "en")}


async def test_votes_one_per_answer(harness: BotHarness) -> None:
    user = harness.user(language_code="en")
    answer = await user.send("I lost my token with the e-signature")
    thanked = await user.press(TEXTS.get("en", "guidance.helpful_yes"), message=answer.last)
    assert user.answer_to(thanked) == {"text": TEXTS.get("en", "guidance.vote_thanks")}
    await user.press(TEXTS.get("en", "guidance.helpful_no"), message=answer.last)
    async with harness.application.deps.sessionmaker() as session:
        votes = (await session.scalars(select(AnswerVote))).all()
    assert [(v.topic, v.helpful) for v in votes] == [("lost-key", False)]


async def test_forged_topic_and_vote_data(harness: BotHarness) -> None:
    user = harness.user(language_code="en")
    await user.send("/menu")
    for data in ("gd:t:no-such-topic", "gd:v:no-such-topic:1", "gd:v:lost-key:7", "gd:t:<b>x</b>"):
        reply = await user.press(data=data)
        assert user.answer_to(reply) == {"text": TEXTS.get("en", "core.stale_button")}


async def test_questions_addressed_in_a_group_get_deep_links(harness: BotHarness) -> None:
    user = harness.user(language_code="ru")
    group = harness.group(members=[user])
    ignored = await user.send("эцп бухгалтеру можно отдать?", chat=group)
    assert ignored.messages == []
    reply = await user.send("@esign_safety_bot можно ли отдать эцп бухгалтеру?", chat=group)
    assert reply.text == _plain(TOPICS["transfer-risks"].text("ru").answer)
    urls = [b.get("url") for b in reply.last.buttons if "url" in b]
    assert all(u.startswith("https://t.me/esign_safety_bot?start=") for u in urls)


async def test_over_long_question(harness: BotHarness) -> None:
    reply = await harness.user(language_code="en").send("my ecp key was stolen " * 180)
    assert reply.messages  # answered (a topic or the fallback), never an error
    assert reply.text != TEXTS.get("en", "core.error")


async def test_employee_left_button_leads_heads_to_org(harness: BotHarness) -> None:
    user = harness.user(language_code="en")
    reply = await user.send("an employee quit, what do we do with his e-signature")
    assert reply.text == _plain(TOPICS["employee-left"].text("en").answer)
    labels = [b["text"] for b in reply.last.buttons]
    assert TEXTS.get("en", "guidance.action.org") in labels
    assert TEXTS.get("en", "guidance.action.revoke") not in labels
    org = await user.press(TEXTS.get("en", "guidance.action.org"), message=reply.last)
    assert org.text == TEXTS.get("en", "revocations.org_none")
    # In a group the same button is a link to the private chat's /org.
    group = harness.group(members=[user])
    asked = await user.send(
        "@esign_safety_bot сотрудник уволился, что делать с его эцп", chat=group
    )
    urls = [b.get("url") for b in asked.last.buttons]
    assert "https://t.me/esign_safety_bot?start=org" in urls
