"""The terminal chat: a demo that survives a restart and shows every part of the bot.

In-process runs drive `run_terminal_chat` with typed lines; the restart test runs
`python -m bot chat` twice as a person would, on the same data directory.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from bot.config import Settings, load_settings
from bot.db import migrate
from bot.db.engine import create_engine
from bot.harness import demo
from bot.harness.demo_state import STATE_FILE, load_state
from bot.harness.server import BOT_USERNAME
from bot.harness.terminal import run_terminal_chat
from bot.i18n import Texts
from bot.signatures.cli import prepare_demo
from tests.cli_runner import run_process

TEXTS = Texts.load()


@pytest.fixture
async def demo_settings(tmp_path: Path) -> Settings:
    # Flood control off: a script types faster than a person.
    settings = load_settings(bot_data_dir=tmp_path / "data", flood_limit_per_minute=0)
    engine = create_engine(settings.resolved_database_url())
    await migrate.upgrade(engine)
    await engine.dispose()
    await prepare_demo(settings)
    return settings


async def chat(settings: Settings, *lines: str) -> str:
    out = io.StringIO()
    await run_terminal_chat(settings, stdin=io.StringIO("".join(f"{x}\n" for x in lines)), out=out)
    return out.getvalue()


def after(output: str, marker: str) -> str:
    assert marker in output, output
    return output.split(marker, 1)[1]


async def test_two_runs_on_one_data_directory_continue_the_same_demo(
    demo_settings: Settings,
) -> None:
    first = await chat(demo_settings, "/language", "3", "/help")
    assert "Hello, Айгерим!" not in first  # /start came before the language choice
    assert "Done: I will speak English with you." in first
    assert "What I can do" in first
    saved = load_state(demo_settings.bot_data_dir / STATE_FILE)
    assert saved.next_update_id > 1
    second = await chat(demo_settings, "/help")
    assert "welcome back: you are user 1, Айгерим" in second
    # The language chosen in the first run is remembered by the bot.
    assert after(second, "welcome back").count("What I can do") == 1
    assert "did not handle" not in second
    assert load_state(demo_settings.bot_data_dir / STATE_FILE).next_update_id > (
        saved.next_update_id
    )


async def test_numbering_continues_above_what_the_database_handled(
    demo_settings: Settings,
) -> None:
    await chat(demo_settings, "/help")
    # The state file is lost, the database is not: numbering still goes on above it.
    (demo_settings.bot_data_dir / STATE_FILE).unlink()
    again = await chat(demo_settings, "/help")
    assert again.count("Что я умею") == 1
    assert "did not handle" not in again


async def test_a_number_is_text_unless_buttons_are_on_screen(demo_settings: Settings) -> None:
    output = await chat(demo_settings, "/password", "123456", "/menu", "7", "\\7")
    # After /password no buttons are on screen: "123456" is the password, checked and deleted.
    assert "(no button 123456" not in output
    assert re.search(r"\(Айгерим's message #\d+ was deleted\)\nbot> Надёжность:", output)
    menu = after(output, "Что вы хотите сделать?")
    assert "(no button 7; there are 6. To send 7 as text, type \\7)" in menu
    # \7 is sent as text: the bot answers it as a question it did not understand.
    assert "bot> " in after(menu, "type \\7)")


async def test_a_decision_and_a_warning_wait_for_the_person_they_were_sent_to(
    demo_settings: Settings,
) -> None:
    output = await chat(
        demo_settings,
        "/revoke",  # Айгерим (user 1) is not verified yet: she confirms her phone first
        "/contact",
        "/revoke",
        "1",  # her first valid key
        "1",  # lost or stolen
        "1",  # yes, request revocation
        "/user 9",  # the operator: the new request was announced here
        "/requests",
        "1",  # approve …
        "1",  # … yes, approve
        "/user 1",
    )
    operator = after(output, "(you are now user 9, Operator")
    assert "(while you were away the bot sent 1 message(s):)" in operator
    assert "Revocation request REV-" in operator
    assert "will be marked as revoked in the registry" in after(operator, "Approve REV-")
    back = after(operator, "(you are now user 1, Айгерим")
    assert "(while you were away the bot sent 1 message(s):)" in back
    assert "Оператор одобрил вашу заявку" in back


async def test_each_user_shares_their_own_demo_phone(demo_settings: Settings) -> None:
    output = await chat(demo_settings, "/user 2", "/status", "/contact", "/user 77", "/status")
    nurlan = after(output, "(you are now user 2, Нұрлан")
    assert "СЕРІКОВ НҰРЛАН" in nurlan
    assert demo.demo_phone(2) == "+77010000002"
    assert demo.demo_phone(77) == "+77010000077"


async def test_sample_files_are_offered_and_inspected(demo_settings: Settings) -> None:
    output = await chat(
        demo_settings,
        "/file",
        "/file aigerim-signing.cer",
        "/file aigerim-old.cer",
        "/file unknown.pem",
        "/file aigerim-keys.p12",
        "/file no-such-file.cer",
    )
    for name in ("aigerim-signing.cer", "aigerim-old.cer", "unknown.pem", "aigerim-keys.p12"):
        assert name in output
        assert (demo_settings.bot_data_dir / "demo-files" / name).is_file()
    assert "Статус: ✅ действует" in after(output, "Серийный номер: 4D3A0002")
    assert "Статус: ⛔ отозван" in after(output, "Серийный номер: 4D3A0004")
    assert "Статус: ❔ сейчас неизвестен" in after(output, "Владелец: ТЕСТОВ ТЕСТ")
    assert "Я удалил ваше сообщение: в нём был файл ключа." in output
    assert "(cannot read no-such-file.cer" in output


async def test_the_work_chat_guard_can_be_tried_in_the_demo_group(
    demo_settings: Settings,
) -> None:
    output = await chat(demo_settings, "/group", "/file aigerim-keys.p12", "/private", "/help")
    group = after(output, "(you now write in the group «Бухгалтерия ТОО «Дала Сервис»»")
    assert re.search(r"\(Айгерим's message #\d+ was deleted\)", group)
    assert "🚫 Айгерим" in group  # the warning, naming the sender
    assert "[Бухгалтерия ТОО «Дала Сервис»]" not in after(group, "(back in your private chat")


def test_make_run_twice_in_one_checkout(tmp_path: Path) -> None:
    """The bug this fixes: the second start said "update 1 was already handled"."""
    env = {"FLOOD_LIMIT_PER_MINUTE": "0"}
    first = run_process("chat", cwd=tmp_path, env=env, stdin="/help\n/quit\n")
    assert first.returncode == 0, first.stderr
    assert "Что я умею" in first.stdout
    second = run_process("chat", cwd=tmp_path, env=env, stdin="/help\n/quit\n")
    assert second.returncode == 0, second.stderr
    assert "welcome back" in second.stdout
    assert "Что я умею" in second.stdout
    assert second.stderr == ""
    # Log lines go to the file, not between the chat's lines.
    assert " INFO " not in first.stdout + second.stdout
    log = (tmp_path / "data" / "esign-bot.log").read_text(encoding="utf-8")
    assert "starting the terminal chat" in log
    state = json.loads((tmp_path / "data" / STATE_FILE).read_text(encoding="utf-8"))
    assert state["user_id"] == 1


async def test_messages_to_your_private_chat_wait_while_you_are_in_the_group(
    demo_settings: Settings,
) -> None:
    output = await chat(
        demo_settings,
        "/contact",
        "/revoke",
        "1",
        "1",
        "1",
        "/user 9",
        "/group",  # the operator approves from the work chat's point of view: still private
        "/private",
        "/requests",
        "1",
        "1",
        "/group",
        "/user 1",  # Айгерим, in the group: her decision notice waits in her private chat
        "/private",
    )
    waiting = after(output, "(you are now user 1, Айгерим")
    assert "(messages are waiting in your private chat: /private to read them)" in waiting
    assert "Оператор одобрил вашу заявку" not in waiting.split("(back in your private chat")[0]
    assert "Оператор одобрил вашу заявку" in after(waiting, "(back in your private chat")


async def test_the_terminal_chat_can_try_inline_mode(demo_settings: Settings) -> None:
    output = after(await chat(demo_settings, "/inline"), "/inline")
    # Айгерим speaks Russian: the featured cards come in her language, each with its deep link.
    assert "[2] " + TEXTS.get("ru", "inline.cards.already-shared.title") in output
    assert f"https://t.me/{BOT_USERNAME}?start=t-" in output


async def test_the_operators_charts_show_as_an_album(demo_settings: Settings) -> None:
    output = after(await chat(demo_settings, "/user 9", "/stats"), "(you are now user 9")
    photos = re.findall(r"\[photo (\d+)×(\d+) in an album\]", output)
    assert len(photos) >= 2  # sendMediaGroup: an album of charts, each shown with its size
    assert all(int(w) > 0 and int(h) > 0 for w, h in photos)
