"""`esign-bot check-password [--json] [--lang]`: one password from stdin, a verdict on stdout."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from functools import partial

import pytest

from bot.cli import main
from bot.i18n import Texts
from bot.passwords import check_password
from bot.passwords import cli as password_cli
from bot.passwords.report import render, verdict_report
from bot.tghtml import parse

TEXTS = Texts.load()
SECRET = "Zq7!Жёлтый_Kx9§vortex"
JSON_KEYS = {
    "score",
    "guesses_log10",
    "meets_nca_rule",
    "warnings",
    "suggestions",
    "crack_time_seconds",
}


def run(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    stdin: bytes,
    *args: str,
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
    status = main(["check-password", *args])
    out, err = capsys.readouterr()
    return status, out, err


def expected(password: str, lang: str) -> str:
    html = render(verdict_report(check_password(password)), partial(TEXTS.get, lang))
    return parse(html).text


def test_json(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(monkeypatch, capsys, b"Qwerty12\n", "--json")
    assert (status, err) == (0, "")
    data = json.loads(out)
    assert set(data) >= JSON_KEYS
    assert data["score"] == 0
    assert data["meets_nca_rule"] is True
    assert isinstance(data["guesses_log10"], float)
    assert isinstance(data["crack_time_seconds"], float)
    assert data == json.loads(json.dumps(check_password("Qwerty12").to_json_dict()))


@pytest.mark.parametrize("lang", ["en", "ru", "kk"])
def test_human_output(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], lang: str
) -> None:
    args = () if lang == "en" else ("--lang", lang)
    status, out, _ = run(monkeypatch, capsys, "Пароль123\n".encode(), *args)
    assert status == 0
    assert out == expected("Пароль123", lang) + "\n"
    assert "<b>" not in out  # plain text, not Telegram HTML


@pytest.mark.parametrize("args", [(), ("--json",)])
def test_the_password_is_not_printed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    status, out, err = run(monkeypatch, capsys, SECRET.encode(), *args)
    assert status == 0
    assert "vortex" not in out + err
    assert "Жёлтый" not in out + err


def test_over_long_password_is_checked_and_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(monkeypatch, capsys, ("й" * password_cli.MAX_INPUT_LENGTH).encode())
    assert status == 0
    assert "Only the first 72 characters were checked" in out


@pytest.mark.parametrize(
    ("stdin", "reason"),
    [
        (b"", "empty input"),
        (b"\n", "empty input"),
        (b"  \t \r\n", "empty input"),
        (b"first\nsecond\n", "more than one line"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b"a" * (password_cli.MAX_INPUT_LENGTH + 1), "longer than 4096 characters"),
        ("й".encode() * (password_cli.MAX_INPUT_LENGTH * 2), "longer than 4096 characters"),
    ],
)
def test_refusals_are_one_line_and_non_zero(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], stdin: bytes, reason: str
) -> None:
    status, out, err = run(monkeypatch, capsys, stdin, "--json")
    assert status == 2
    assert out == ""
    assert err.startswith("esign-bot: error: ")
    assert reason in err
    assert err.count("\n") == 1


def test_a_password_in_argv_is_refused_without_repeating_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(monkeypatch, capsys, b"", "--json", SECRET)
    assert (status, out) == (2, "")
    assert "stdin" in err
    assert SECRET not in err


def test_at_a_terminal_it_asks_without_echo(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    prompts: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return "Qwerty12"

    monkeypatch.setattr(password_cli.getpass, "getpass", fake_getpass)
    terminal = io.TextIOWrapper(io.BytesIO(b"not read"), encoding="utf-8")
    monkeypatch.setattr(terminal, "isatty", lambda: True)
    monkeypatch.setattr(sys, "stdin", terminal)
    assert main(["check-password", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["score"] == 0
    assert len(prompts) == 1


def test_the_installed_command_reads_a_real_pipe() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "DATABASE_URL")}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "check-password", "--json"],
        input="Астана2024!\r\n".encode(),
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["score"] <= 1
    assert data["meets_nca_rule"] is False
    assert "place_name" in data["warnings"]
