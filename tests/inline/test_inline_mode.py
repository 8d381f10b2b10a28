"""Inline mode end to end: `@bot words` in any chat, through the fake Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import load_settings
from bot.guidance.content import DEFAULT_CONTENT_DIR
from bot.guidance.models import DailyCount
from bot.harness import BotHarness
from bot.harness.inline import DESCRIPTION_MAX, TITLE_MAX
from bot.harness.server import BOT_USERNAME
from bot.i18n import Texts
from bot.inline.cards import read_plan
from bot.tghtml import parse, utf16_len

TEXTS = Texts.load()
FEATURED = read_plan(DEFAULT_CONTENT_DIR, []).featured


@pytest.fixture
async def flood_harness(sqlite_url: str, tmp_path: Path) -> AsyncIterator[BotHarness]:
    settings = load_settings(
        database_url=sqlite_url,
        bot_data_dir=tmp_path,
        pii_secret="test-pii-secret-0123456789",
        flood_limit_per_minute=3,
    )
    async with BotHarness(settings) as running:
        yield running


def _message(result: dict[str, object]) -> str:
    content = result["input_message_content"]
    assert isinstance(content, dict)
    return parse(content["message_text"]).text


async def test_an_empty_query_offers_the_featured_cards_in_the_users_language(
    harness: BotHarness,
) -> None:
    answer = await harness.user(language_code="ru").inline("")
    assert answer is not None
    assert answer.ids == list(FEATURED)
    # The user's language chose the cards, so Telegram must not hand them to others.
    assert answer.is_personal is True
    assert answer.cache_time >= 60
    for result in answer.results:
        assert utf16_len(result["title"]) <= TITLE_MAX
        assert 0 < utf16_len(result["description"]) <= DESCRIPTION_MAX
        assert (
            TEXTS.get("ru", "inline.open_full")
            == result["reply_markup"]["inline_keyboard"][0][0]["text"]
        )
        assert "Что делать сейчас" in _message(result)
    link = answer.result(FEATURED[0])["reply_markup"]["inline_keyboard"][0][0]["url"]
    assert link == f"https://t.me/{BOT_USERNAME}?start=t-{FEATURED[0]}"


async def test_the_query_language_wins_and_the_answer_may_be_shared(harness: BotHarness) -> None:
    answer = await harness.user(language_code="en").inline("ЭЦҚ-мды досыма бердім, не істеймін")
    assert answer is not None
    assert answer.ids[0] == "transfer-risks"
    # Cards that open the same topic come with it ("what to do if you already did").
    assert "already-shared" in answer.ids
    assert "Қазір не істеу керек" in _message(answer.results[0])
    assert answer.is_personal is False


async def test_a_query_no_topic_answers_gets_the_featured_cards(harness: BotHarness) -> None:
    answer = await harness.user(language_code="en").inline("what is the weather tomorrow")
    assert answer is not None
    assert answer.ids == list(FEATURED)


async def test_nothing_of_the_query_reaches_the_results(harness: BotHarness) -> None:
    query = "Айгерим 850315400506 +77011234567 передала ЭЦП бухгалтеру <b>x</b>"
    answer = await harness.user(language_code="ru").inline(query)
    assert answer is not None
    assert answer.results
    dump = repr(answer.results)
    for fragment in ("Айгерим", "850315400506", "77011234567", "<b>x</b>"):
        assert fragment not in dump


async def test_a_long_hostile_query_is_answered_within_limits(harness: BotHarness) -> None:
    answer = await harness.user().inline("<script>&amp;" * 30)
    assert answer is not None
    assert 0 < len(answer.results) <= 50


async def test_a_chosen_card_is_counted_for_its_topic(harness: BotHarness) -> None:
    user = harness.user(language_code="en")
    answer = await user.inline("")
    assert answer is not None
    await user.choose(answer, "already-shared")
    await user.choose(answer, "transfer-risks")
    async with harness.application.deps.sessionmaker() as session:
        rows = (await session.scalars(select(DailyCount))).all()
    assert [(r.kind, r.topic, r.count) for r in rows] == [("shared", "transfer-risks", 2)]


async def test_a_forged_chosen_result_changes_nothing(harness: BotHarness) -> None:
    user = harness.user(language_code="en")
    answer = await user.inline("")
    assert answer is not None
    answer.results.append({"id": "no-such-card"})
    await user.choose(answer, "no-such-card")
    async with harness.application.deps.sessionmaker() as session:
        assert (await session.scalars(select(DailyCount))).all() == []


async def test_the_card_button_opens_the_full_answer(harness: BotHarness) -> None:
    from bot.guidance.topics import load_topics

    topic = load_topics(DEFAULT_CONTENT_DIR)["transfer-risks"]
    reply = await harness.user(language_code="kk").send("/start t-transfer-risks")
    assert reply.last.text == parse(topic.text("kk").answer).text
    assert reply.last.buttons  # the answer's own buttons: revoke, related, helpful?


async def test_a_link_to_a_topic_that_no_longer_exists_shows_the_topics(
    harness: BotHarness,
) -> None:
    reply = await harness.user(language_code="en").send("/start t-no-such-topic")
    assert reply.last.text == parse(TEXTS.get("en", "guidance.topics_title")).text
    assert reply.last.buttons


async def test_flood_control_covers_inline_queries(flood_harness: BotHarness) -> None:
    user = flood_harness.user(language_code="en")
    for _ in range(3):
        assert await user.inline("ecp") is not None
    notice = await user.inline("ecp")
    assert notice is not None
    assert notice.results == []
    assert notice.button is not None
    assert notice.button["text"] == TEXTS.get("en", "ops.flood_inline", count=1)
    assert await user.inline("ecp") is None  # told once, then ignored
