"""A password sent outside the /password step: deleted first, the user told why, the check
offered; within the step, checked as before. End to end through the harness."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import load_settings
from bot.guidance.models import UnmatchedQuestion
from bot.harness import BotHarness, FakeUser
from bot.harness.server import BOT_USERNAME
from bot.passwords import handlers as password_handlers
from tests.passwords.test_handlers import (
    NAME,
    TEXTS,
    assert_deleted_first,
    expected_verdict,
    expire_step,
    last_user_message,
    plain,
    step_row,
)

OPERATOR_ID = 900_202


def offers_the_check(reply_buttons: list[dict[str, str]]) -> bool:
    return [b.get("callback_data") for b in reply_buttons] == [password_handlers.CB_START]


async def assert_screened(
    harness: BotHarness, user: FakeUser, text: str, lang: str = "en", *, key: str = "screened"
) -> None:
    reply = await user.send(text)
    sent = last_user_message(harness, user)
    assert sent.text == text
    assert_deleted_first(reply, sent)
    assert reply.kinds() == ["deleted", "sent"]
    assert reply.text == plain(f"passwords.{key}", lang)
    assert offers_the_check(reply.last.buttons)


async def unmatched(harness: BotHarness) -> list[str]:
    async with harness.application.deps.sessionmaker() as session:
        return [row.text for row in await session.scalars(select(UnmatchedQuestion))]


# ---- the cases of the issue ----------------------------------------------------------------


async def test_a_second_password_right_after_a_verdict(harness: BotHarness) -> None:
    user = harness.user(NAME, language_code="en")
    await user.send("/password")
    verdict = await user.send("Qwerty12")
    assert verdict.text == expected_verdict("Qwerty12")
    # Under the verdict: check another, which opens the step again.
    assert [b["text"] for b in verdict.last.buttons] == [TEXTS.get("en", "passwords.check_another")]
    await assert_screened(harness, user, "Kairat1985kz")
    again = await user.press(TEXTS.get("en", "passwords.check_another"), message=verdict.last)
    assert again.text == plain("passwords.intro")
    reply = await user.send("Kairat1985kz")
    assert_deleted_first(reply, last_user_message(harness, user))
    assert reply.text == expected_verdict("Kairat1985kz")


async def test_the_offer_opens_the_step(harness: BotHarness) -> None:
    user = harness.user(NAME, language_code="kk")
    await assert_screened(harness, user, "Aigerim1990", "kk")
    started = await user.press(TEXTS.get("kk", "passwords.menu_button"))
    assert started.text == plain("passwords.intro", "kk")
    reply = await user.send("Aigerim1990")
    assert reply.text == expected_verdict("Aigerim1990", "kk")


async def test_one_sent_after_the_step_expired(harness: BotHarness) -> None:
    user = harness.user(NAME, language_code="ru")
    await user.send("/password")
    await expire_step(harness, user)
    await assert_screened(harness, user, "is my password Kairat1985kz ok?", "ru", key="expired")
    assert await step_row(harness.application.deps.engine, user) is None


@pytest.mark.parametrize(
    "text",
    [
        "is my password Kairat1985kz ok?",
        "мой пароль от ЭЦП Aigerim1990, нормально?",
        "құпиясөзім: Астана2024!",
        "Kairat1985kz подходит?",
        "123456",
        "qwerty",
        "Zq7!Жёлтый_Kx9§vortex",
    ],
)
async def test_a_password_in_a_question_is_deleted_and_never_kept(
    harness: BotHarness, text: str
) -> None:
    user = harness.user(NAME, language_code="en")
    await assert_screened(harness, user, text)
    assert await unmatched(harness) == []


@pytest.mark.parametrize("text", ["/Kairat1985kz", "/password Kairat1985kz", "/start Qwerty123"])
async def test_one_that_starts_with_a_slash(harness: BotHarness, text: str) -> None:
    user = harness.user(NAME, language_code="en")
    await assert_screened(harness, user, text)


async def test_one_sent_while_flood_muted_is_still_deleted(tmp_path: Path, sqlite_url: str) -> None:
    settings = load_settings(
        database_url=sqlite_url,
        bot_data_dir=tmp_path,
        pii_secret="test-pii-secret-0123456789",
        flood_limit_per_minute=3,
        flood_cooldown_seconds=120,
    )
    async with BotHarness(settings) as harness:
        user = harness.user(NAME, language_code="en")
        for _ in range(3):
            assert len((await user.send("/help")).messages) == 1
        notice = await user.send("/help")
        assert notice.text == TEXTS.get("en", "ops.flood_notice", count=2)
        # Muted: nothing is answered, but the password does not stay in the chat.
        reply = await user.send("Kairat1985kz")
        assert reply.kinds() == ["deleted"]
        assert last_user_message(harness, user).deleted
        # The message that crosses the limit: the notice, and the password goes too.
        other = harness.user("Other", language_code="en")
        for _ in range(3):
            await other.send("/help")
        crossing = await other.send("my password is Qwerty123")
        assert crossing.kinds() == ["deleted", "sent"]
        assert crossing.text == TEXTS.get("en", "ops.flood_notice", count=2)


# ---- around the cases ----------------------------------------------------------------------


async def test_within_the_step_the_check_runs_on_it(harness: BotHarness) -> None:
    user = harness.user(NAME, language_code="en")
    await user.send("/password")
    text = "is my password Kairat1985kz ok?"
    reply = await user.send(text)
    assert_deleted_first(reply, last_user_message(harness, user))
    assert reply.text == expected_verdict(text)
    assert await step_row(harness.application.deps.engine, user) is None


async def test_an_edit_and_a_caption_are_screened_too(harness: BotHarness) -> None:
    user = harness.user(NAME, language_code="en")
    question = await user.send("what is an e-signature?")
    assert "deleted" not in question.kinds()
    original = last_user_message(harness, user)
    edited = await user.edit(original, "what is an e-signature? my password is Qwerty123")
    assert edited.kinds() == ["deleted", "sent"]
    assert original.deleted
    assert edited.text == plain("passwords.screened")

    captioned = await user.send_document("notes.pdf", b"%PDF-1.4", caption="пароль Qwerty12")
    assert captioned.kinds() == ["deleted", "sent"]
    assert last_user_message(harness, user).deleted


@pytest.mark.parametrize(
    "text",
    [
        "what is an e-signature?",
        "какой пароль у ЭЦП по умолчанию?",
        "потерял ключ p12, что делать",
        "мой ИИН 900101300123",
        "ошибка 0x80070005 в NCALayer",
        "/help",
        f"/start {password_handlers.STEP}",
    ],
)
async def test_ordinary_messages_stay(harness: BotHarness, text: str) -> None:
    user = harness.user(NAME, language_code="ru")
    reply = await user.send(text)
    assert "deleted" not in reply.kinds()
    assert not last_user_message(harness, user).deleted


async def test_a_broadcast_may_quote_a_weak_password(tmp_path: Path, sqlite_url: str) -> None:
    """A step that takes prose for others keeps its text: warnings quote bad examples."""
    settings = load_settings(
        database_url=sqlite_url,
        bot_data_dir=tmp_path,
        pii_secret="test-pii-secret-0123456789",
        operator_ids=str(OPERATOR_ID),
    )
    async with BotHarness(settings) as harness:
        operator = harness.user("Operator", language_code="en", user_id=OPERATOR_ID)
        await operator.send("/broadcast")
        await operator.press(TEXTS.get("en", "broadcasts.buttons.mode_all"))
        reply = await operator.send("Never use passwords like Qwerty123 or Aigerim1990.")
        assert "deleted" not in reply.kinds()
        assert not last_user_message(harness, operator).deleted
        # Outside that step an operator's password goes like anyone's.
        await operator.send("/cancel")
        await assert_screened(harness, operator, "Qwerty123")


async def test_a_question_to_the_bot_in_a_group_is_not_kept_with_its_password(
    harness: BotHarness,
) -> None:
    user = harness.user(NAME, language_code="en")
    group = harness.group(members=[user])
    await user.send(f"@{BOT_USERNAME} is my password Kairat1985kz ok?", chat=group)
    # Kept without the word that mixes letters and digits (before: "kairat***kz" was kept).
    await user.send(f"@{BOT_USERNAME} what is the weather like in Shymkent on day 5b", chat=group)
    assert await unmatched(harness) == ["what is the weather like in shymkent on day ***"]
