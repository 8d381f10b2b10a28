"""/stats, the weekly digest and `esign-bot report`, end to end."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.harness import BotHarness
from bot.harness.media import inspect_photo
from bot.harness.records import ChatRecord
from bot.i18n import Texts
from bot.insights import digest
from bot.insights.charts import CHARTS
from bot.tghtml import parse
from tests.cli_runner import run_cli
from tests.insights.seed import NOW

OPERATOR_ID = 900_201
TEXTS = Texts.load()


@pytest.fixture
async def ops(database_url: str, tmp_path: Path) -> AsyncIterator[BotHarness]:
    settings = load_settings(
        database_url=database_url,
        bot_data_dir=tmp_path,
        pii_secret="test-pii-secret-0123456789",
        operator_ids=str(OPERATOR_ID),
        operator_chat_id="-1000000000001",
        operator_language="kk",
    )
    async with BotHarness(settings) as running:
        yield running


def operators_chat(harness: BotHarness) -> ChatRecord:
    return harness.api.add_group(-1_000_000_000_001, "Operators")


def album_photos(harness: BotHarness, chat_id: int) -> list[bytes]:
    out = []
    for message in harness.messages_to(chat_id):
        assert message.photo is not None
        out.append(harness.api.files[message.photo[-1]["file_id"]].content)
    return out


async def test_stats_sends_the_charts_as_one_album_with_key_figures(ops: BotHarness) -> None:
    citizen = ops.user(language_code="ru")
    await citizen.send("можно ли передать ЭЦП бухгалтеру?")
    await citizen.send("где купить хлеб")
    operator = ops.user("Operator", language_code="en", user_id=OPERATOR_ID)
    reply = await operator.send("/stats")
    photos = reply.photos
    assert len(photos) == len(CHARTS)
    assert len({p.media_group_id for p in photos}) == 1
    for message in photos:
        assert message.photo is not None
        size = message.photo[-1]
        assert (size["width"], size["height"]) == (1024, 1280)
        content = ops.api.files[size["file_id"]].content
        assert inspect_photo(content).kind == "png"
    caption = photos[0].caption or ""
    assert caption.startswith(parse(TEXTS.get("en", "insights.caption.title", date="x")).text[:10])
    assert "Questions in 4 weeks: 2; no topic answered: 50%" in caption
    assert all(p.caption is None for p in photos[1:])


async def test_stats_are_for_operators_only(ops: BotHarness) -> None:
    reply = await ops.user(language_code="ru").send("/stats")
    assert reply.text == parse(TEXTS.get("ru", "insights.operators_only")).text
    assert not reply.photos


async def test_the_weekly_digest_goes_once_on_monday_morning(ops: BotHarness) -> None:
    chat = operators_chat(ops)
    monday_early = NOW.replace(hour=2)  # 07:00 in Astana: not yet
    assert await digest.run_once(ops.application, monday_early) == 0
    assert await digest.run_once(ops.application, NOW) == 1  # 11:00 in Astana
    assert await digest.run_once(ops.application, NOW + timedelta(hours=3)) == 0
    assert await digest.run_once(ops.application, NOW + timedelta(days=3)) == 0
    photos = album_photos(ops, chat.id)
    assert len(photos) == len(CHARTS)
    first = ops.messages_to(chat.id)[0]
    assert (first.caption or "").startswith("Апталық шолу")  # OPERATOR_LANGUAGE=kk
    # The next week's digest is due again.
    assert await digest.run_once(ops.application, NOW + timedelta(days=7)) == 1


async def test_a_digest_telegram_refused_is_tried_again(ops: BotHarness) -> None:
    # No operators' chat yet: Telegram answers "chat not found", the claim is given back.
    assert await digest.run_once(ops.application, NOW) == 0
    chat = operators_chat(ops)
    assert await digest.run_once(ops.application, NOW + timedelta(minutes=10)) == 1
    assert len(album_photos(ops, chat.id)) == len(CHARTS)


async def test_the_report_command_writes_the_charts_and_figures(tmp_path: Path) -> None:
    out = tmp_path / "report"
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'r.sqlite3'}", "OPERATOR_LANGUAGE": "ru"}
    done = run_cli("report", "--out", str(out), "--json", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert sorted(Path(f).name for f in printed["files"]) == sorted(
        [f"{name}.png" for name, _ in CHARTS] + ["figures.json"]
    )
    for name, _ in CHARTS:
        assert inspect_photo((out / f"{name}.png").read_bytes()).width == 1024
    figures = json.loads((out / "figures.json").read_text(encoding="utf-8"))
    assert figures["key_figures"]["questions"] == 0
    assert len(figures["guidance"]["days"]) == 28


async def test_the_report_command_refuses_a_file_as_folder(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    done = run_cli("report", "--out", str(tmp_path / "file"), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("esign-bot: error: --out:")
