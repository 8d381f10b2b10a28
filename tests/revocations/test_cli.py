"""The operators' command line: appoint admins, decide requests, read the audit log."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path

from bot.db import migrate
from bot.db.engine import create_engine, create_sessionmaker
from bot.revocations import service
from bot.signatures.phones import phone_hash
from bot.signatures.registry import import_registry, link_phone, verified_since
from tests.cli_runner import run_cli

SECRET = "test-pii-secret-0123456789"
HEADER = "serial_number,iin,full_name,phone,key_type,valid_from,valid_to,status,org_bin,org_name\n"
ROW = "AA01,850315400005,АХМЕТОВА АЙГЕРИМ,+77011112233,sign,2026-01-10,2027-01-10,valid,,\n"


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, cwd=tmp_path, env={"PII_SECRET": SECRET})


async def _file_one(url: str) -> str:
    engine = create_engine(url)
    await migrate.upgrade(engine)
    maker = create_sessionmaker(engine)
    await import_registry(maker, [HEADER, ROW], secret=SECRET.encode())
    async with maker() as session:
        await link_phone(session, 7, phone_hash("+77011112233", SECRET.encode()))
        _, rows = await service.open_requests(session)
        certificate_id = 1
        filed = await service.file_citizen_request(
            session, 7, certificate_id, "misuse", since=verified_since(180)
        )
    await engine.dispose()
    assert rows == []
    return filed.request.reference or ""


def test_requests_and_audit_from_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'esign-bot.sqlite3'}"
    reference = asyncio.run(_file_one(url.replace("sqlite:", "sqlite+aiosqlite:")))
    listed = _cli(tmp_path, "requests", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [r["reference"] for r in json.loads(listed.stdout)["requests"]] == [reference]

    assert _cli(tmp_path, "requests", "reject", reference, "--reason", " ").returncode == 2
    rejected = _cli(tmp_path, "requests", "reject", reference, "--reason", "duplicate")
    assert rejected.stdout.strip() == f"{reference} rejected"
    again = _cli(tmp_path, "requests", "approve", reference)
    assert again.returncode == 2
    assert again.stderr.strip() == f"esign-bot: error: {reference} was already rejected"
    missing = _cli(tmp_path, "requests", "approve", "REV-2026-999999")
    assert missing.stderr.strip() == "esign-bot: error: REV-2026-999999: no such request"

    added = _cli(tmp_path, "org", "add-admin", "--bin", "150340000003", "--telegram-id", "42")
    assert added.stdout.strip() == "appointed"
    bad = _cli(tmp_path, "org", "add-admin", "--bin", "150340000004", "--telegram-id", "42")
    assert bad.stderr.strip() == "esign-bot: error: --bin '150340000004': not a valid BIN"

    log = _cli(tmp_path, "audit", "--json")
    assert len(log.stdout.splitlines()) == 1  # one JSON document, like every --json
    actions = [entry["action"] for entry in json.loads(log.stdout)["entries"]]
    assert actions == ["request_filed", "request_rejected", "admin_appointed"]
    assert _cli(tmp_path, "audit", "--since", "yesterday").returncode == 2
