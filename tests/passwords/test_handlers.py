"""End to end through the harness: /password, the step, and what never keeps the password."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Sequence
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.base import utcnow
from bot.db.models import DialogState
from bot.harness import BotHarness, Exchange, FakeUser
from bot.harness.records import MessageRecord
from bot.harness.server import BOT_USERNAME, ApiError
from bot.i18n import Texts
from bot.passwords import MAX_ANALYSED_LENGTH, check_password
from bot.passwords import handlers as password_handlers
from bot.passwords import pool as password_pool
from bot.passwords.pool import CheckPool
from bot.passwords.report import render, verdict_report
from bot.tghtml import parse

TEXTS = Texts.load()
NAME = "Aigerim"
# Distinctive in every encoding a store might use: Latin, Cyrillic, symbols, no common word.
SECRET = "Zq7!Жёлтый_Kx9§vortex"
STICKER = {
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


def plain(key: str, lang: str = "en", **params: Any) -> str:
    return parse(TEXTS.get(lang, key, **params)).text


def expected_verdict(password: str, lang: str = "en", inputs: Sequence[str] = (NAME,)) -> str:
    html = render(verdict_report(check_password(password, inputs)), partial(TEXTS.get, lang))
    return parse(html).text


def leaks(found_in: str | bytes) -> list[str]:
    """The forms of SECRET that `found_in` contains: raw, JSON-escaped, UTF-16, its rare part."""
    texts = [SECRET, json.dumps(SECRET)[1:-1], "Kx9§vortex"]
    if isinstance(found_in, str):
        return [form for form in texts if form in found_in]
    encoded = [form.encode() for form in texts] + [SECRET.encode("utf-16-le")]
    return [repr(form) for form in encoded if form in found_in]


def last_user_message(harness: BotHarness, user: FakeUser) -> MessageRecord:
    return max(
        (m for (chat, _), m in harness.api.messages.items() if chat == user.id and not m.from_bot),
        key=lambda m: m.message_id,
    )


async def step_row(engine: AsyncEngine, user: FakeUser) -> Any:
    """The user's dialog state row as stored (step, data, expires_at), or None."""
    async with engine.connect() as conn:
        query = select(DialogState).where(DialogState.user_id == user.id)
        return (await conn.execute(query)).first()


async def all_rows(engine: AsyncEngine) -> str:
    """Every row of every table, as text: what a database dump would show."""
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
        rows = []
        for name in names:
            result = await conn.execute(text(f'SELECT * FROM "{name}"'))
            rows.extend(repr(tuple(row)) for row in result)
    return "\n".join(rows)


async def expire_step(harness: BotHarness, user: FakeUser) -> None:
    async with harness.application.deps.sessionmaker() as session, session.begin():
        await session.execute(
            update(DialogState)
            .where(DialogState.user_id == user.id)
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )


def assert_deleted_first(reply: Exchange, message: MessageRecord) -> None:
    kinds = reply.kinds()
    assert kinds[0] == "deleted", kinds
    assert (reply.events[0].chat_id, reply.events[0].message_id) == (
        message.chat_id,
        message.message_id,
    )
    assert message.deleted
    assert "sent" in kinds[1:]


# ---- the flow ----------------------------------------------------------------------------


async def test_password_is_deleted_before_the_verdict(harness: BotHarness) -> None:
    user = harness.user(NAME, language_code="en")
    intro = await user.send("/password")
    assert intro.text == plain("passwords.intro")

    reply = await user.send("Qwerty12")
    sent = last_user_message(harness, user)
    assert sent.text == "Qwerty12"
    assert sent.deleted
    assert_deleted_first(reply, sent)
    assert reply.kinds() == ["deleted", "sent"]
    assert reply.text == expected_verdict("Qwerty12")
    assert plain("passwords.verdict.not_strong_enough") in reply.text

    # The step is over: the next message is not taken for a password.
    after = await user.send("what is an e-signature?")
    assert "deleted" not in after.kinds()
    assert not last_user_message(harness, user).deleted


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_three_languages(harness: BotHarness, lang: str) -> None:
    user = harness.user(NAME, language_code=lang)
    assert (await user.send("/password")).text == plain("passwords.intro", lang)
    reply = await user.send("Пароль123")
    assert reply.text == expected_verdict("Пароль123", lang)
    assert plain("passwords.verdict.nca_not_met", lang) in reply.text
    assert plain("passwords.nca_failures.no_latin_upper", lang) in reply.text
    assert plain("passwords.verdict.not_strong_enough", lang) in reply.text


async def test_strong_passphrase_is_called_strong_enough(harness: BotHarness) -> None:
    user = harness.user(NAME, language_code="en")
    await user.send("/password")
    reply = await user.send("Korgan7-Zhelkek-Tulpar-Sary93")
    assert plain("passwords.verdict.strong_enough") in reply.text
    assert plain("passwords.verdict.nca_met") in reply.text


async def test_users_own_name_and_username_are_context(harness: BotHarness) -> None:
    user = harness.user("Nurlybek", language_code="en", username="zhanar_kz")
    await user.send("/password")
    reply = await user.send("Nurlybek2001")
    assert plain("passwords.warnings.user_input") in reply.text
    await user.send("/password")
    reply = await user.send("zhanar_kz!")
    assert plain("passwords.warnings.user_input") in reply.text


async def test_menu_button_and_deep_link_start_the_step(harness: BotHarness) -> None:
    user = harness.user(NAME, language_code="ru")
    menu = await user.send("/menu")
    started = await user.press(TEXTS.get("ru", "passwords.menu_button"), message=menu.last)
    assert started.text == plain("passwords.intro", "ru")
    reply = await user.send("qwerty")
    assert_deleted_first(reply, last_user_message(harness, user))

    linked = await user.send(f"/start {password_handlers.STEP}")
    assert linked.text == plain("passwords.intro", "ru")
    reply = await user.send("123456")
    assert_deleted_first(reply, last_user_message(harness, user))
    assert plain("passwords.standard.common_standard", "ru") in reply.text


async def test_command_is_registered_in_every_language(harness: BotHarness) -> None:
    for lang in ("kk", "ru", "en"):
        registered = harness.api.commands[('{"type": "default"}', lang)]
        commands = {c["command"]: c["description"] for c in registered}
        assert commands["password"] == TEXTS.get(lang, "passwords.commands.password")


async def test_password_given_as_command_argument_is_deleted_not_checked(
    harness: BotHarness,
) -> None:
    user = harness.user(NAME, language_code="en")
    reply = await user.send(f"/password {SECRET}")
    assert reply.kinds() == ["deleted", "sent"]
    assert last_user_message(harness, user).deleted
    assert reply.text == plain("passwords.screened")
    assert [b.get("callback_data") for b in reply.last.buttons] == [password_handlers.CB_START]


async def test_over_long_input_is_checked_and_says_so(harness: BotHarness) -> None:
    user = harness.user(NAME, language_code="ru")
    await user.send("/password")
    password = ("Жq7ю" * 1024)[:4096]
    reply = await user.send(password)
    assert_deleted_first(reply, last_user_message(harness, user))
    truncated = plain("passwords.verdict.truncated", "ru", count=MAX_ANALYSED_LENGTH)
    assert truncated in reply.text
    assert reply.text == expected_verdict(password, "ru")


@pytest.mark.parametrize("password", ["   ", "\n", "\u200b"])
async def test_empty_or_blank_message(harness: BotHarness, password: str) -> None:
    user = harness.user(NAME, language_code="en")
    await user.send("/password")
    reply = await user.send(password)
    assert_deleted_first(reply, last_user_message(harness, user))
    assert reply.text == expected_verdict(password)
    assert plain("passwords.verdict.not_strong_enough") in reply.text


async def test_hostile_input_is_not_echoed(harness: BotHarness) -> None:
    user = harness.user(NAME, language_code="en")
    await user.send("/password")
    password = "<b>x</b><script>alert(1)</script>&amp;<a href='tg://x'>Zq9</a>"
    reply = await user.send(password)
    assert_deleted_first(reply, last_user_message(harness, user))
    html = reply.last.html or ""
    for fragment in ("<script", "alert(", "&amp;amp;", "tg://x", "Zq9", "</b><"):
        assert fragment not in reply.text
        assert fragment not in html


# ---- around the step ---------------------------------------------------------------------


async def test_cancel_leaves_the_step(harness: BotHarness) -> None:
    user = harness.user(NAME, language_code="en")
    await user.send("/password")
    cancelled = await user.send("/cancel")
    assert cancelled.text == plain("core.cancelled")
    # Not checked any more; still taken out of the chat (tests/passwords/test_screen.py).
    after = await user.send("Qwerty12")
    assert after.text == plain("passwords.screened")
    after = await user.send("what is an e-signature?")
    assert "deleted" not in after.kinds()


async def test_non_text_message_keeps_the_step(harness: BotHarness) -> None:
    user = harness.user(NAME, language_code="kk")
    await user.send("/password")
    sticker = await user.send_raw(STICKER)
    assert sticker.kinds() == ["deleted", "sent"]  # a photo or voice may show the password too
    assert sticker.text == plain("passwords.not_text", "kk")
    reply = await user.send("Qwerty12")
    assert_deleted_first(reply, last_user_message(harness, user))
    assert reply.text == expected_verdict("Qwerty12", "kk")


async def test_non_text_message_without_the_step_is_unsupported_as_before(
    harness: BotHarness,
) -> None:
    user = harness.user(NAME, language_code="en")
    reply = await user.send_raw(STICKER)
    assert reply.kinds() == ["sent"]
    assert reply.text == plain("core.unsupported_message")


async def test_expired_step_deletes_the_late_password_and_says_so(harness: BotHarness) -> None:
    user = harness.user(NAME, language_code="ru")
    await user.send("/password")
    await expire_step(harness, user)
    reply = await user.send(SECRET)
    assert_deleted_first(reply, last_user_message(harness, user))
    assert reply.text == plain("passwords.expired", "ru")
    assert await step_row(harness.application.deps.engine, user) is None
    after = await user.send("what is an e-signature?")
    assert "deleted" not in after.kinds()


async def test_expired_step_and_a_sticker(harness: BotHarness) -> None:
    user = harness.user(NAME, language_code="en")
    await user.send("/password")
    await expire_step(harness, user)
    reply = await user.send_raw(STICKER)
    assert reply.kinds() == ["deleted", "sent"]
    assert reply.text == plain("passwords.expired")


async def test_failed_deletion_is_said_and_the_verdict_still_comes(harness: BotHarness) -> None:
    async def refuse(params: dict[str, Any]) -> bool:
        raise ApiError(400, "Bad Request: message can't be deleted")

    harness.api._methods["deletemessage"] = refuse
    user = harness.user(NAME, language_code="en")
    await user.send("/password")
    reply = await user.send("Qwerty12")
    assert not last_user_message(harness, user).deleted
    assert reply.kinds() == ["sent"]
    assert reply.text.startswith(plain("passwords.delete_failed"))
    assert reply.text.endswith(expected_verdict("Qwerty12"))


async def test_group_gets_a_button_to_the_private_step(harness: BotHarness) -> None:
    user = harness.user(NAME, language_code="en")
    group = harness.group(members=[user])
    for command in ("/password", f"/password@{BOT_USERNAME}"):
        reply = await user.send(command, chat=group)
        assert reply.text == plain("passwords.group_redirect")
        assert [b.get("url") for b in reply.last.buttons] == [
            f"https://t.me/{BOT_USERNAME}?start={password_handlers.STEP}"
        ]
        assert await step_row(harness.application.deps.engine, user) is None
    # No password is taken in the group, even as an argument; the message goes if it can.
    admin_group = harness.group("Admins", bot_admin=True, members=[user])
    reply = await user.send(f"/password {SECRET}", chat=admin_group)
    assert reply.kinds() == ["deleted", "sent"]
    assert SECRET not in reply.text
    # The menu in a group has no password button.
    menu = await user.send("/menu", chat=group)
    assert TEXTS.get("en", "passwords.menu_button") not in [b["text"] for b in menu.last.buttons]
    # A forged press of the menu button in a group is redirected too.
    forged = await user.press(data=password_handlers.CB_START, message=menu.last)
    assert forged.text == plain("passwords.group_redirect")
    # Following the button: /start password in the private chat.
    linked = await user.send(f"/start {password_handlers.STEP}")
    assert linked.text == plain("passwords.intro")


def _checks_in_this_process(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch, replacement: Callable[..., Any]
) -> None:
    """Swap the checker; a worker process would not see the swap, so check in a thread."""
    harness.application.deps.get(CheckPool).workers = 0
    monkeypatch.setattr(password_pool, "check_password", replacement)


async def test_checks_run_in_a_worker_process(harness: BotHarness) -> None:
    user = harness.user(NAME, language_code="en")
    await user.send("/password")
    reply = await user.send("Qwerty12")
    assert reply.text == expected_verdict("Qwerty12")
    assert harness.application.deps.get(CheckPool).workers == 1


async def test_event_loop_answers_others_while_a_check_runs(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    released = threading.Event()

    def slow_check(password: str, user_inputs: Sequence[str] = ()) -> Any:
        # Blocks its thread until another user has been answered: a check run on the event
        # loop would deadlock here and the other user would wait in vain.
        assert released.wait(timeout=5)
        return check_password(password, user_inputs)

    _checks_in_this_process(harness, monkeypatch, slow_check)
    checker, other = harness.user(NAME, language_code="en"), harness.user("Other")
    await checker.send("/password")
    checking = asyncio.create_task(checker.send("Qwerty12"))
    await harness.wait_for(lambda: last_user_message(harness, checker).deleted)
    helped = await other.send("/help")
    assert helped.text == plain("core.help", "ru")
    assert not checking.done()
    released.set()
    assert (await checking).text == expected_verdict("Qwerty12")


# ---- privacy: database, dialog state, logs, exceptions -----------------------------------


async def test_dialog_state_holds_nothing_of_the_password(any_db_harness: BotHarness) -> None:
    engine = any_db_harness.application.deps.engine
    user = any_db_harness.user(NAME, language_code="en")
    await user.send("/password")
    row = await step_row(engine, user)
    assert row is not None
    assert (row.step, row.data) == (password_handlers.STEP, {})
    assert row.expires_at - utcnow() <= password_handlers.STEP_TTL

    await user.send_raw(STICKER)  # keeps the step, still empty
    row = await step_row(engine, user)
    assert row is not None
    assert row.data == {}

    await user.send(SECRET)
    assert await step_row(engine, user) is None
    assert leaks(await all_rows(engine)) == []


async def test_password_is_nowhere_in_the_database_file_or_logs(
    harness: BotHarness, settings: Any, debug_logs: Callable[[], str]
) -> None:
    debug_logs()
    user = harness.user(NAME, language_code="ru", username="aigerim_kz")
    await user.send("/password")
    reply = await user.send(SECRET)
    assert_deleted_first(reply, last_user_message(harness, user))
    await user.send("/password")
    await expire_step(harness, user)
    await user.send(SECRET)  # a late one, after the step expired

    database = Path(settings.resolved_database_url().split("///", 1)[1])
    stored = b"".join(
        path.read_bytes()
        for path in (database, database.with_name(database.name + "-wal"))
        if path.exists()
    )
    assert len(stored) > 0
    assert leaks(stored) == []
    assert leaks(await all_rows(harness.application.deps.engine)) == []

    logs = debug_logs()
    assert " DEBUG " in logs  # the capture really saw DEBUG lines
    assert leaks(logs) == []


async def test_a_failing_check_reports_an_error_without_the_password(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch, debug_logs: Callable[[], str]
) -> None:
    def broken(password: str, user_inputs: Sequence[str] = ()) -> Any:
        raise ValueError(f"cannot rate {password!r} for {user_inputs!r}")

    _checks_in_this_process(harness, monkeypatch, broken)
    debug_logs()
    user = harness.user(NAME, language_code="en")
    await user.send("/password")
    reply = await user.send(SECRET)
    assert_deleted_first(reply, last_user_message(harness, user))
    assert reply.text == plain("core.error")
    assert await step_row(harness.application.deps.engine, user) is None

    logs = debug_logs()
    assert "unhandled error" in logs
    assert "PasswordCheckError: ValueError at test_handlers.py" in logs  # where, for debugging
    assert leaks(logs) == []
