"""End to end: /start, /help, /menu, /language, /cancel in all three languages."""

from __future__ import annotations

import pytest

from bot.harness import BotHarness
from bot.i18n import Texts

TEXTS = Texts.load()


@pytest.mark.parametrize(
    ("language_code", "lang"),
    [("kk", "kk"), ("ru", "ru"), ("en", "en"), ("de", "en"), (None, "en")],
)
async def test_start_greets_in_the_telegram_language(
    harness: BotHarness, language_code: str | None, lang: str
) -> None:
    user = harness.user("Aigerim", language_code=language_code)
    reply = await user.send("/start")
    assert reply.text.startswith(TEXTS.get(lang, "core.welcome", name="Aigerim").split("\n")[0])
    labels = [b["text"] for b in reply.last.buttons]
    assert TEXTS.get(lang, "core.buttons.language") in labels


async def test_name_with_html_is_escaped(harness: BotHarness) -> None:
    user = harness.user("<b>Boss</b> & co", language_code="en")
    reply = await user.send("/start")
    # The harness parses HTML like Telegram; the name arrives as literal text.
    assert "<b>Boss</b> & co" in reply.text


async def test_language_choice_is_remembered(any_db_harness: BotHarness) -> None:
    user = any_db_harness.user(language_code="en")
    await user.send("/language")
    chosen = await user.press("Қазақша")
    assert TEXTS.get("kk", "core.language_set") in [
        m.text for m in any_db_harness.messages_to(user.id)
    ]
    assert chosen.last.text == TEXTS.get("kk", "core.menu_title")
    reply = await user.send("/help")
    assert reply.text == _plain(TEXTS.get("kk", "core.help"))


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_help_menu_cancel(harness: BotHarness, lang: str) -> None:
    user = harness.user(language_code=lang)
    assert (await user.send("/help")).text == _plain(TEXTS.get(lang, "core.help"))
    menu = await user.send("/menu")
    assert menu.text == TEXTS.get(lang, "core.menu_title")
    assert (await user.send("/cancel")).text == _plain(TEXTS.get(lang, "core.nothing_to_cancel"))
    help_again = await user.press(TEXTS.get(lang, "core.buttons.help"), message=menu.last)
    assert help_again.text == _plain(TEXTS.get(lang, "core.help"))


async def test_unknown_command_and_sticker_get_an_answer(harness: BotHarness) -> None:
    user = harness.user(language_code="en")
    assert (await user.send("/frobnicate")).text == TEXTS.get("en", "core.unknown_command")
    sticker = {
        "sticker": {
            "file_id": "s1",
            "file_unique_id": "s1u",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        }
    }
    assert (await user.send_raw(sticker)).text == TEXTS.get("en", "core.unsupported_message")


async def test_forged_and_stale_callbacks_are_refused_politely(harness: BotHarness) -> None:
    user = harness.user(language_code="en")
    await user.send("/menu")
    forged = await user.press(data="core:lang:xx")
    assert user.answer_to(forged) == {"text": TEXTS.get("en", "core.stale_button")}
    unknown = await user.press(data="revocations:approve:999")
    assert user.answer_to(unknown) == {"text": TEXTS.get("en", "core.stale_button")}


async def test_group_messages_are_ignored_unless_addressed(harness: BotHarness) -> None:
    user = harness.user(language_code="en")
    group = harness.group(members=[user])
    chatter = await user.send("lunch at noon?", chat=group)
    assert chatter.messages == []
    command = await user.send("/help@esign_safety_bot", chat=group)
    assert command.text == _plain(TEXTS.get("en", "core.help"))


async def test_commands_registered_per_language(harness: BotHarness) -> None:
    registered = harness.api.commands
    for lang in ("kk", "ru", "en", ""):
        names = [c["command"] for c in registered[('{"type": "default"}', lang)]]
        assert {"start", "help", "menu", "language", "cancel"} <= set(names)
    kk = {c["command"]: c["description"] for c in registered[('{"type": "default"}', "kk")]}
    assert kk["language"] == TEXTS.get("kk", "core.commands.language")


def _plain(html: str) -> str:
    from bot.tghtml import parse

    return parse(html).text
