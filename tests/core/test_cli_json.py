"""Every `--json` follows one convention: exactly one JSON object, on one line, on stdout.

The commands are found by walking the parser, so a new command with `--json` fails this test
until it is added to the table below (and so checked).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import sys
from pathlib import Path

import pytest

from bot.broadcasts import subscriptions
from bot.cli import build_parser, main
from bot.config import load_settings
from bot.db import migrate
from bot.db.engine import create_engine, create_sessionmaker


def json_commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> set[str]:
    found: set[str] = set()
    if any("--json" in action.option_strings for action in parser._actions):
        found.add(" ".join(path))
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found |= json_commands(child, (*path, name))
    return found


def commands(tmp_path: Path) -> dict[str, list[str]]:
    text = tmp_path / "warning.html"
    text.write_text("<b>Warning</b>: never share SMS codes", encoding="utf-8")
    registry = Path(__file__).resolve().parents[2] / "content/signatures/demo_registry.csv"
    # In order: the later ones need what the earlier ones made (a registry, a campaign).
    return {
        "db current": ["db", "current", "--json"],
        "content check": ["content", "check", "--json"],
        "ask": ["ask", "можно ли дать эцп бухгалтеру?", "--json"],
        "check-password": ["check-password", "--json"],
        "demo-data": ["demo-data", "--json"],
        "registry import": ["registry", "import", str(registry), "--json"],
        "content unmatched": ["content", "unmatched", "--json"],
        "requests list": ["requests", "list", "--json"],
        "audit": ["audit", "--json"],
        "audit verify": ["audit", "verify", "--json"],
        "broadcast create": ["broadcast", "create", "--text", str(text), "--yes", "--json"],
        "broadcast status": ["broadcast", "status", "--json"],
        "broadcast pause": ["broadcast", "pause", "1", "--json"],
        "broadcast resume": ["broadcast", "resume", "1", "--json"],
        "broadcast cancel": ["broadcast", "cancel", "1", "--json"],
        "report": ["report", "--out", str(tmp_path / "report"), "--json"],
    }


async def _subscribe_someone() -> None:
    """A subscriber, so that the warning has someone to go to."""
    engine = create_engine(load_settings().resolved_database_url())
    await migrate.upgrade(engine)
    async with create_sessionmaker(engine)() as session:
        await subscriptions.subscribe(session, chat_id=1, chat_type="private", lang="kk", by_user=1)
    await engine.dispose()


def test_every_json_command_is_checked(tmp_path: Path) -> None:
    assert json_commands(build_parser()) == set(commands(tmp_path))


def test_every_json_output_is_one_object_on_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The commands set up logging for a terminal; pytest owns logging here.
    monkeypatch.setattr("bot.ops.logging.setup_logging", lambda *args, **kwargs: None)
    asyncio.run(_subscribe_someone())
    for name, argv in commands(tmp_path).items():
        stdin = io.TextIOWrapper(io.BytesIO(b"Qwerty12\n"), encoding="utf-8")
        monkeypatch.setattr(sys, "stdin", stdin)
        code = main(argv)
        out, err = capsys.readouterr()
        assert code == 0, (name, err)
        lines = out.splitlines()
        assert len(lines) == 1, (name, out)
        document = json.loads(lines[0])
        assert isinstance(document, dict), (name, document)
    listed = commands(tmp_path)["requests list"]
    main(listed)
    assert json.loads(capsys.readouterr().out) == {"requests": []}
