"""CONTENT_DIR is honoured everywhere: a copy of content/ with a changed word is what the bot,
its password workers and `esign-bot content check` all read."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.config import Settings
from bot.content import PACKAGED_DIR
from bot.core.credentials import read_detector
from bot.harness import BotHarness
from bot.i18n import Texts
from bot.tghtml import parse
from tests.cli_runner import run_cli

# A word nobody uses, made an e-signature word and the most common password in the copy.
WORD = "zhelezka"
SHARED = f"{WORD} password: Qwerty123"
TEXTS = Texts.load()


def _copy(tmp_path: Path) -> Path:
    copy = Path(shutil.copytree(PACKAGED_DIR, tmp_path / "content"))
    vocabulary = copy / "core" / "credentials.toml"
    text = vocabulary.read_text(encoding="utf-8")
    marker = "context = [\n"
    assert marker in text
    vocabulary.write_text(text.replace(marker, f"{marker}    '{WORD}',\n", 1), encoding="utf-8")
    common = copy / "passwords" / "passwords.txt"
    common.write_text(f"{WORD}\n" + common.read_text(encoding="utf-8"), encoding="utf-8")
    return copy


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    return _copy(tmp_path)


def test_the_changed_word_makes_a_difference(content_copy: Path) -> None:
    assert not read_detector(PACKAGED_DIR).shares_secret(SHARED)
    assert read_detector(content_copy).shares_secret(SHARED)


async def test_the_bot_and_its_password_workers_read_content_dir(
    settings: Settings, content_copy: Path
) -> None:
    # One real worker process: it must be told the directory, not fall back to the packaged one.
    copied = settings.model_copy(update={"content_dir": content_copy, "password_check_workers": 1})
    async with BotHarness(copied) as harness:
        member = harness.user("Aigerim", language_code="en")
        chat = harness.group("Accounting", bot_admin=True, members=[member])
        caught = await member.send(SHARED, chat=chat)
        assert caught.kinds() == ["deleted", "sent"]

        await member.send("/password")
        verdict = await member.send(WORD)
        assert parse(TEXTS.get("en", "passwords.warnings.top_10")).text in verdict.text


def test_content_check_reads_content_dir(tmp_path: Path, content_copy: Path) -> None:
    env = {"CONTENT_DIR": str(content_copy)}
    result = run_cli("content", "check", "--json", cwd=tmp_path, env=env)
    assert json.loads(result.stdout) == {"ok": True, "problems": []}

    common = content_copy / "passwords" / "passwords.txt"
    common.write_text(WORD.upper() + "\n" + common.read_text(encoding="utf-8"), encoding="utf-8")
    result = run_cli("content", "check", "--json", cwd=tmp_path, env=env)
    report = json.loads(result.stdout)
    assert result.returncode == 1
    assert report["problems"][0].startswith("passwords/passwords.txt:1: entries are lower case")

    # `check-password` rates with the copy's dictionaries too.
    result = run_cli("check-password", "--json", cwd=tmp_path, env=env, stdin=f"{WORD}\n")
    assert result.returncode == 2  # the copy is broken now: one line, no verdict
    shutil.rmtree(content_copy)
    fixed = _copy(tmp_path)
    result = run_cli("check-password", "--json", cwd=tmp_path, env=env, stdin=f"{WORD}\n")
    assert fixed == content_copy
    assert "top_10" in json.loads(result.stdout)["warnings"]
