"""`esign-bot broadcast ...`: validation, JSON output, one-line errors."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.broadcasts import cli, subscriptions
from bot.cli import main as esign_bot
from bot.config import load_settings
from bot.db import migrate
from bot.db.engine import create_engine, create_sessionmaker


@pytest.fixture
def db(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    # The real command also sets up logging for the terminal, which pytest owns here.
    monkeypatch.setattr(cli, "settings_for_cli", load_settings)

    async def seed() -> None:
        engine = create_engine(sqlite_url)
        await migrate.upgrade(engine)
        async with create_sessionmaker(engine)() as session:
            for chat_id, lang in ((1, "kk"), (2, "ru"), (3, "ru"), (4, "en")):
                await subscriptions.subscribe(
                    session, chat_id=chat_id, chat_type="private", lang=lang, by_user=chat_id
                )
        await engine.dispose()

    asyncio.run(seed())
    return sqlite_url


def write(tmp_path: Path, name: str, content: str) -> str:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = esign_bot(["broadcast", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_create_status_pause_resume_cancel(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    common = write(tmp_path, "all.html", "<b>Warning</b>: never share SMS codes")
    kazakh = write(tmp_path, "kk.html", "<b>Ескерту</b>: SMS-кодты ешкімге айтпаңыз")
    code, out, _ = run(capsys, "create", "--text", common, "--text-kk", kazakh, "--yes", "--json")
    assert code == 0
    created = json.loads(out)
    assert created["id"] == 1
    assert created["state"] == "running"
    assert created["total"] == 4
    assert created["by_language"] == {"kk": 1, "ru": 2, "en": 1}

    code, out, _ = run(capsys, "status", "1", "--json")
    assert json.loads(out)["remaining"] == 4
    code, out, _ = run(capsys, "pause", "1", "--json")
    assert json.loads(out) == {"id": 1, "state": "paused"}
    code, out, _ = run(capsys, "resume", "1")
    assert out.strip() == "warning #1: running"
    code, out, _ = run(capsys, "cancel", "1", "--json")
    assert json.loads(out) == {"id": 1, "state": "cancelled"}
    code, out, _ = run(capsys, "status", "--json")
    [listed] = json.loads(out)["campaigns"]
    assert (listed["state"], listed["cancelled"], listed["sent"]) == ("cancelled", 4, 0)
    code, _, err = run(capsys, "resume", "1")
    assert code == 2
    assert err == "esign-bot: error: warning #1 is cancelled: cannot resume it\n"


def test_create_shows_the_preview_and_counts(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    common = write(tmp_path, "all.html", "<b>Warning</b> &amp; advice")
    code, out, _ = run(capsys, "create", "--text", common, "--yes")
    assert code == 0
    assert "--- kk, ru, en ---\nWarning & advice\n" in out
    assert "recipients: 4 (kk 1, ru 2, en 1)" in out
    assert out.strip().endswith("the running bot starts sending it")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("<b>unclosed", "Telegram would refuse this HTML: can't parse entities"),
        ("1 < 2", "Telegram would refuse this HTML"),
        ("   ", "the text is empty"),
        ("я" * 4097, "4097 characters after formatting; a message may have at most 4096"),
    ],
)
def test_bad_texts_are_refused_with_one_line(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, reason: str
) -> None:
    path = write(tmp_path, "bad.html", content)
    code, out, err = run(capsys, "create", "--text", path, "--yes")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"esign-bot: error: --text {path}: ")
    assert reason in err


def test_every_language_needs_a_text(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kk = write(tmp_path, "kk.html", "Ескерту")
    code, _, err = run(capsys, "create", "--text-kk", kk, "--yes")
    assert code == 2
    assert err == "esign-bot: error: --text-ru: missing (or give --text for every language)\n"
    code, _, err = run(capsys, "create", "--text", str(tmp_path / "nope.html"), "--yes")
    assert err == f"esign-bot: error: --text {tmp_path / 'nope.html'}: no such file\n"


def test_without_yes_and_without_a_terminal_nothing_is_sent(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    path = write(tmp_path, "w.html", "Warning")
    code, _, err = run(capsys, "create", "--text", path)
    assert code == 2
    assert err == "esign-bot: error: not confirmed: add --yes to send without asking\n"
    code, out, _ = run(capsys, "status", "--json")
    assert json.loads(out) == {"campaigns": []}


def test_unknown_campaign(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (("status", "7"), ("pause", "7"), ("cancel", "7")):
        code, _, err = run(capsys, *argv)
        assert code == 2
        assert err == "esign-bot: error: no warning #7\n"


def test_the_installed_command(sqlite_url: str, tmp_path: Path) -> None:
    path = write(tmp_path, "w.html", "Warning")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "broadcast", "create", "--text", path, "--yes"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": sqlite_url},
    )
    assert result.returncode == 2
    assert result.stderr == (
        "esign-bot: error: no active subscribers: there is nobody to send the warning to\n"
    )
