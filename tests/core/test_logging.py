"""The bot token never reaches the logs, even at DEBUG."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.harness import BotHarness
from bot.harness.driver import HARNESS_TOKEN
from bot.ops.logging import setup_logging


async def test_token_absent_from_debug_logs(
    tmp_path: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = load_settings(database_url=sqlite_url, log_level="DEBUG")
    setup_logging("DEBUG", "text", [HARNESS_TOKEN])
    try:
        async with BotHarness(settings) as harness:
            user = harness.user(language_code="en")
            await user.send("/start")
            await user.send("/definitely-unknown")
            logging.getLogger("bot.test").debug("calling %s", f"https://x/bot{HARNESS_TOKEN}/getMe")
        captured = capsys.readouterr()
        logs = captured.err + captured.out
        assert "Application started" in logs  # the capture really saw the bot's logging
        secret_part = HARNESS_TOKEN.split(":")[1]
        assert secret_part not in logs
        assert "[redacted]" in logs
    finally:
        logging.getLogger().handlers.clear()


def test_json_format(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("INFO", "json", ["s3cret"])
    try:
        logging.getLogger("bot.x").info("token is %s", "s3cret")
        line = capsys.readouterr().err.strip()
        assert line.startswith("{")
        assert '"message": "token is [redacted]"' in line
    finally:
        logging.getLogger().handlers.clear()


def test_the_log_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "data" / "esign-bot.log"
    path.parent.mkdir()
    path.write_text("an older run\n", encoding="utf-8")
    path.chmod(0o644)  # left by an older version, or made under a loose umask
    root = logging.getLogger()
    saved = list(root.handlers), root.level
    try:
        setup_logging("INFO", "text", path=path)
        logging.getLogger("bot.test").info("a line")
        for handler in root.handlers:
            handler.flush()
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
            handler.close()
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
        logging.captureWarnings(False)
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.read_text(encoding="utf-8").splitlines()[0] == "an older run"
    assert "a line" in path.read_text(encoding="utf-8")
