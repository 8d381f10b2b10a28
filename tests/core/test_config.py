"""Settings: defaults, parsing, and one clear line for each bad value."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bot.config import SettingsError, load_settings
from tests.cli_runner import run_cli


def test_defaults_run_on_sqlite_in_the_data_dir() -> None:
    settings = load_settings()
    assert settings.demo_mode
    assert settings.resolved_database_url() == "sqlite+aiosqlite:///data/esign-bot.sqlite3"
    assert settings.operator_ids == frozenset()


def test_operator_ids_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPERATOR_IDS", " 12, 34 ,")
    assert load_settings().operator_ids == {12, 34}


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "OPERATOR_IDS",
            "12,abc",
            "OPERATOR_IDS: expected comma-separated Telegram user ids, got 'abc'",
        ),
        (
            "DATABASE_URL",
            "mysql://x/y",
            "DATABASE_URL: unsupported database 'mysql' (use sqlite or postgresql)",
        ),
        ("DATABASE_URL", "::nonsense::", "DATABASE_URL: not a database URL"),
        ("BROADCAST_RATE", "fast", "BROADCAST_RATE: Input should be a valid number"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT: Input should be 'text' or 'json'"),
        ("WEBHOOK_PORT", "70000", "WEBHOOK_PORT: Input should be less than or equal to 65535"),
    ],
)
def test_bad_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_webhook_needs_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.kz/hook")
    with pytest.raises(SettingsError, match=r"^WEBHOOK_SECRET: required when WEBHOOK_URL is set$"):
        load_settings()


def test_dotenv_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("OPERATOR_IDS=5,6\nLOG_LEVEL=debug\n")
    settings = load_settings()
    assert settings.operator_ids == {5, 6}
    assert settings.log_level == "DEBUG"


def _cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, cwd=cwd, env=env)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"OPERATOR_IDS": "1,two"}, "esign-bot: error: OPERATOR_IDS: expected comma-separated"),
        ({"DATABASE_URL": "oracle://db"}, "esign-bot: error: DATABASE_URL: unsupported database"),
        (
            {"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"},
            "esign-bot: error: DATABASE_URL: cannot use postgresql+asyncpg://nobody@127.0.0.1:1/none",
        ),
    ],
)
def test_start_stops_with_one_line(tmp_path: Path, env: dict[str, str], expected: str) -> None:
    result = _cli("db", "upgrade", env=env, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(expected)
