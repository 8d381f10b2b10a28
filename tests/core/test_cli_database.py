"""A database that cannot be reached stops every subcommand that needs one with one line.

The subcommands are found by walking the parser: a new one fails this test until it is put in
one of the two tables below (so it is checked).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import sqlite3
import sys
from pathlib import Path

import pytest

from bot import cli
from bot.cli import build_parser, main
from bot.config import load_settings
from tests.cli_runner import run_process

UNREACHABLE = "postgresql://nobody@127.0.0.1:1/none"
SECRET = "test-pii-secret-0123456789"
# Port 1 refuses the connection at once; the password part is redacted in the message.
EXPECTED = "esign-bot: error: DATABASE_URL: cannot use postgresql+asyncpg://nobody@127.0.0.1:1/none"

# Subcommands that touch no database: they must not even try.
WITHOUT_DATABASE = {"ask", "check-password", "content check"}


def leaves(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> set[str]:
    found: set[str] = set()
    children = [
        action for action in parser._actions if isinstance(action, argparse._SubParsersAction)
    ]
    if parser.get_default("handler") is not None or not children:
        found.add(" ".join(path))
    for action in children:
        for name, child in action.choices.items():
            found |= leaves(child, (*path, name))
    return found


def with_database(tmp_path: Path) -> dict[str, list[str]]:
    text = tmp_path / "warning.html"
    text.write_text("<b>Warning</b>: never share SMS codes", encoding="utf-8")
    registry = tmp_path / "registry.csv"
    registry.write_text("serial_number\n", encoding="utf-8")
    return {
        "run": ["run"],
        "chat": ["chat"],
        "db upgrade": ["db", "upgrade"],
        "db current": ["db", "current"],
        "content unmatched": ["content", "unmatched"],
        "registry import": ["registry", "import", str(registry)],
        "demo-data": ["demo-data"],
        "org add-admin": ["org", "add-admin", "--bin", "150340000003", "--telegram-id", "2"],
        "org remove-admin": ["org", "remove-admin", "--bin", "150340000003", "--telegram-id", "2"],
        "requests list": ["requests", "list"],
        "requests approve": ["requests", "approve", "REV-2026-000001"],
        "requests reject": ["requests", "reject", "REV-2026-000001", "--reason", "no"],
        "audit": ["audit"],
        "audit verify": ["audit", "verify"],
        "broadcast create": ["broadcast", "create", "--text", str(text), "--yes"],
        "broadcast status": ["broadcast", "status"],
        "broadcast pause": ["broadcast", "pause", "1"],
        "broadcast resume": ["broadcast", "resume", "1"],
        "broadcast cancel": ["broadcast", "cancel", "1"],
        "report": ["report", "--out", str(tmp_path / "report")],
    }


def test_every_subcommand_is_classified(tmp_path: Path) -> None:
    assert leaves(build_parser()) - {""} == set(with_database(tmp_path)) | WITHOUT_DATABASE


def test_an_unreachable_database_is_one_line_for_every_subcommand(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The commands set up logging for a terminal; pytest owns logging here.
    monkeypatch.setattr("bot.ops.logging.setup_logging", lambda *args, **kwargs: None)
    monkeypatch.setenv("DATABASE_URL", UNREACHABLE)
    monkeypatch.setenv("PII_SECRET", SECRET)
    for name, argv in with_database(tmp_path).items():
        monkeypatch.setattr(sys, "stdin", io.StringIO(""))
        code = main(argv)
        err = capsys.readouterr().err
        assert code != 0, name
        assert err.splitlines() == [err.strip()], (name, err)
        assert err.startswith(EXPECTED), (name, err)


def test_the_installed_command_prints_no_traceback(tmp_path: Path) -> None:
    """As an operator runs it: real logging set up, a process of its own."""
    result = run_process(
        "requests", "list", cwd=tmp_path, env={"DATABASE_URL": UNREACHABLE, "PII_SECRET": SECRET}
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()], result.stderr
    assert result.stderr.startswith(EXPECTED)


def test_run_with_auto_migrate_off_changes_no_schema_and_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Instances that run as a role without DDL rights (AUTO_MIGRATE=false) must not try to
    migrate: they refuse to start on an older schema, and `db upgrade` still migrates."""
    monkeypatch.setattr("bot.ops.logging.setup_logging", lambda *args, **kwargs: None)
    database = tmp_path / "bot.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    monkeypatch.setenv("PII_SECRET", SECRET)
    monkeypatch.setenv("BOT_TOKEN", "123456:never-used-here")
    monkeypatch.setenv("AUTO_MIGRATE", "false")

    assert main(["run"]) != 0
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "esign-bot: error: the database is not at the latest schema and AUTO_MIGRATE is false: "
        "run `esign-bot db upgrade` (as the role that owns the schema) first"
    ]
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT name FROM sqlite_master").fetchall() == []

    assert main(["db", "upgrade"]) == 0
    assert capsys.readouterr().out.strip() == "database is at the latest schema"
    # Now the same start-up check passes without migrating.
    asyncio.run(cli._preflight(load_settings(), upgrade=False))
