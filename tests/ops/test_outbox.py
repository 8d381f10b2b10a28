"""A CLI decision reaches the requester through the running bot, not a Bot of the CLI's own."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bot.config import load_settings
from bot.db import migrate
from bot.db.engine import create_engine, create_sessionmaker
from bot.harness import BotHarness
from bot.ops import outbox
from bot.ops.models import OutgoingMessage
from bot.revocations import service
from bot.signatures import api as signatures
from bot.signatures.phones import phone_hash
from bot.signatures.registry import import_registry, link_phone, verified_since
from tests.cli_runner import run_cli

SECRET = "test-pii-secret-0123456789"
HEADER = "serial_number,iin,full_name,phone,key_type,valid_from,valid_to,status,org_bin,org_name\n"
ROW = "AA01,850315400005,АХМЕТОВА АЙГЕРИМ,+77011112233,sign,2026-01-10,2027-01-10,valid,,\n"
REQUESTER = 7


async def _file_one(url: str) -> str:
    engine = create_engine(url)
    await migrate.upgrade(engine)
    maker = create_sessionmaker(engine)
    await import_registry(maker, [HEADER, ROW], secret=SECRET.encode())
    async with maker() as session:
        await link_phone(session, REQUESTER, phone_hash("+77011112233", SECRET.encode()))
        filed = await service.file_citizen_request(
            session, REQUESTER, 1, "misuse", since=verified_since(180)
        )
    await engine.dispose()
    return filed.request.reference or ""


async def _outbox(url: str) -> list[OutgoingMessage]:
    engine = create_engine(url)
    async with create_sessionmaker(engine)() as session:
        rows = list((await session.scalars(select(OutgoingMessage))).all())
    await engine.dispose()
    return rows


async def test_a_cli_decision_is_sent_by_the_running_bot(tmp_path: Path) -> None:
    data = tmp_path / "data"
    url = f"sqlite+aiosqlite:///{data / 'esign-bot.sqlite3'}"
    reference = await _file_one(url)
    # A token and an address nobody answers at: a CLI that opened its own Bot would fail here.
    decided = await asyncio.to_thread(
        run_cli,
        "requests",
        "reject",
        reference,
        "--reason",
        "duplicate <b>request</b>",
        cwd=tmp_path,
        env={
            "PII_SECRET": SECRET,
            "BOT_TOKEN": "123456:cli-must-not-use-this",
            "BOT_API_BASE_URL": "http://127.0.0.1:9/bot",
        },
    )
    assert decided.returncode == 0, decided.stderr
    assert decided.stdout.strip() == f"{reference} rejected"
    [waiting] = await _outbox(url)
    assert waiting.chat_id == REQUESTER
    assert waiting.sent_at is None

    settings = load_settings(database_url=url, bot_data_dir=data, pii_secret=SECRET)
    async with BotHarness(settings) as harness:
        requester = harness.user("Aigerim", language_code="en", user_id=REQUESTER)
        await harness.wait_for(lambda: bool(harness.messages_to(requester.id)), within=10)
        [notice] = harness.messages_to(requester.id)
        assert reference in (notice.text or "")
        assert "duplicate <b>request</b>" in (notice.text or "")  # the reason, escaped
        await asyncio.sleep(1.5)  # the job runs every second: nothing goes twice
        assert len(harness.messages_to(requester.id)) == 1
    [sent] = await _outbox(url)
    assert sent.sent_at is not None
    assert sent.attempts == 1
    assert sent.failed is None

    # A restart sends nothing again.
    async with BotHarness(settings) as harness:
        harness.user("Aigerim", language_code="en", user_id=REQUESTER)
        await asyncio.sleep(1.5)
        assert harness.messages_to(REQUESTER) == []


async def test_a_message_nobody_can_receive_is_given_up(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
    settings = load_settings(database_url=url, bot_data_dir=tmp_path, pii_secret=SECRET)
    async with BotHarness(settings) as harness:
        blocked = harness.user("Blocked", language_code="en")
        blocked.block_bot()
        async with harness.application.deps.sessionmaker() as session, session.begin():
            outbox.enqueue(session, blocked.id, "hello")
        await harness.wait_for(lambda: any(m == "sendMessage" for m in harness.api.requests))
        await asyncio.sleep(0.3)
    [row] = await _outbox(url)
    assert row.sent_at is None
    assert row.failed is not None
    assert "blocked" in row.failed


async def _status(url: str, reference: str) -> tuple[str, str]:
    engine = create_engine(url)
    async with create_sessionmaker(engine)() as session:
        request = await service.find_request(session, reference)
        assert request is not None
        certificate = await signatures.certificate(session, request.certificate_id)
        assert certificate is not None
    await engine.dispose()
    return request.status, certificate.status


async def test_a_cli_decision_is_kept_only_with_its_notice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The notice is written in the decision's transaction: when it cannot be written, the
    request stays open (and the key valid) rather than decided with the requester never told."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'esign-bot.sqlite3'}"
    reference = await _file_one(url)

    def full_disk(*_: object) -> None:
        raise OperationalError("INSERT INTO outgoing_messages", {}, Exception("disk I/O error"))

    env = {"PII_SECRET": SECRET}
    with monkeypatch.context() as patched:
        patched.setattr(outbox, "enqueue", full_disk)
        failed = await asyncio.to_thread(
            run_cli, "requests", "approve", reference, cwd=tmp_path, env=env
        )
    assert failed.returncode != 0
    assert failed.stderr.startswith("esign-bot: error: database:"), failed.stderr
    assert await _status(url, reference) == ("open", "valid")
    assert await _outbox(url) == []

    decided = await asyncio.to_thread(
        run_cli, "requests", "approve", reference, cwd=tmp_path, env=env
    )
    assert decided.returncode == 0, decided.stderr
    assert await _status(url, reference) == ("approved", "revoked")
    [waiting] = await _outbox(url)
    assert waiting.chat_id == REQUESTER
    assert reference in waiting.text
