"""The engine end to end through the fake Bot API: blocked chats, 429s, pause/resume/cancel,
interactive replies during a broadcast, and a campaign created from the CLI."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest

from bot.broadcasts import cli, engine, subscriptions
from bot.broadcasts.models import CampaignState, SubscriberStatus
from bot.cli import main as esign_bot
from bot.config import load_settings
from bot.harness import BotHarness
from tests.broadcasts.helpers import (
    broadcast_settings,
    launch,
    my_chat_member,
    operator,
    plain,
    subscribe_directly,
    summary_of,
    t,
    wait_state,
    warnings_to,
)


async def test_blocked_chats_are_marked_and_skipped_until_they_return(
    any_db_bh: BotHarness,
) -> None:
    bh = any_db_bh
    people = await subscribe_directly(bh, 6, "ru")
    blockers = people[:2]
    for person in blockers:
        person.block_bot()
    first = await launch(bh, "ALERT-1")
    done = await wait_state(bh, first, CampaignState.DONE)
    assert (done.count("sent"), done.count("blocked"), done.count("failed")) == (4, 2, 0)
    async with bh.application.deps.sessionmaker() as session:
        for person in blockers:
            assert await subscriptions.status_of(session, person.id) == SubscriberStatus.BLOCKED

    requests_before = bh.api.requests.count("sendMessage")
    second = await launch(bh, "ALERT-2")
    done = await wait_state(bh, second, CampaignState.DONE)
    assert (done.total, done.count("sent")) == (4, 4)
    assert bh.api.requests.count("sendMessage") - requests_before == 4  # no 403 retried

    blockers[0].block_bot(False)
    await my_chat_member(bh, blockers[0].chat, blockers[0], "kicked", "member")
    third = await launch(bh, "ALERT-3")
    done = await wait_state(bh, third, CampaignState.DONE)
    assert done.total == 5
    assert warnings_to(bh, blockers[0].id, "ALERT-") == ["ALERT-3"]


async def test_429_is_honoured_and_nothing_is_lost_or_repeated(
    sqlite_url: str, tmp_path: Path
) -> None:
    # Telegram (the harness) allows 4 messages a second; the broadcast is set to 20.
    settings = broadcast_settings(sqlite_url, tmp_path, rate=20)
    async with BotHarness(settings, global_rate=4) as harness:
        people = await subscribe_directly(harness, 12, "en")
        campaign = await launch(harness, "FLOOD-TEST")
        done = await wait_state(harness, campaign, CampaignState.DONE, within=30)
        assert harness.api.rate_limited > 0
        assert (done.count("sent"), done.count("failed")) == (12, 0)
        assert all(warnings_to(harness, p.id, "FLOOD-TEST") == ["FLOOD-TEST"] for p in people)


async def test_pause_resume_cancel_from_the_progress_message(
    sqlite_url: str, tmp_path: Path
) -> None:
    settings = broadcast_settings(sqlite_url, tmp_path, rate=20)
    async with BotHarness(settings) as harness:
        people = await subscribe_directly(harness, 40, "kk")
        op = operator(harness)
        campaign = await launch(harness, "PAUSE-TEST", report_chat_id=op.id)

        def delivered() -> int:
            return sum(bool(warnings_to(harness, p.id, "PAUSE-TEST")) for p in people)

        await harness.wait_for(lambda: delivered() >= 5)
        paused = await op.press(t("en", "broadcasts.buttons.pause"))
        assert op.answer_to(paused) == {"text": t("en", "broadcasts.toast.pause", id=campaign)}
        summary = await wait_state(harness, campaign, CampaignState.PAUSED)
        await harness.wait_for(
            lambda: (
                bool(harness.messages_to(op.id))
                and harness.messages_to(op.id)[-1].text.startswith("⏸")
            )
        )
        still = delivered()
        assert still == summary.count("sent")
        await asyncio.sleep(0.3)
        assert delivered() == still < 40

        await op.press(t("en", "broadcasts.buttons.resume"))
        await harness.wait_for(lambda: delivered() >= still + 5)
        # Cancelling asks first, naming what it will do; "No" leaves the campaign running.
        asked = await op.press(t("en", "broadcasts.buttons.cancel"))
        assert asked.text.startswith(f"Cancel warning #{campaign}?\nNot received yet: ")
        assert "This cannot be undone." in asked.text
        kept = await op.press(t("en", "broadcasts.buttons.keep"), message=asked.last)
        # The progress message may be edited meanwhile too: look at the question's own edit.
        [answer] = [m for m in kept.edited if m.message_id == asked.last.message_id]
        assert answer.text == t("en", "broadcasts.compose.kept", id=campaign)
        assert (await summary_of(harness, campaign)).state == CampaignState.RUNNING
        asked = await op.press(t("en", "broadcasts.buttons.cancel"))
        stop = t("en", "broadcasts.buttons.stop_id", id=campaign)
        cancelled = await op.press(stop, message=asked.last)
        assert op.answer_to(cancelled) == {"text": t("en", "broadcasts.toast.cancel", id=campaign)}
        assert asked.last.text == t("en", "broadcasts.toast.cancel", id=campaign)
        assert asked.last.buttons == []
        final = await wait_state(harness, campaign, CampaignState.CANCELLED)
        await asyncio.sleep(0.2)
        assert final.count("sent") == delivered()
        assert final.count("sent") + final.count("cancelled") == 40
        assert final.count("cancelled") > 0
        assert all(len(warnings_to(harness, p.id, "PAUSE-TEST")) <= 1 for p in people)
        await harness.wait_for(
            lambda: (
                harness.messages_to(op.id)[-1].text.startswith("✖️")
                and "PAUSE-TEST" not in harness.messages_to(op.id)[-1].text
            )
        )
        report = harness.messages_to(op.id)[-1].text
        assert f"#{campaign}" in report
        # Buttons on a finished campaign are stale: nothing changes.
        progress = harness.messages_to(op.id)[0]
        assert progress.buttons == []
        again = await op.press(data=f"bc:resume:{campaign}", message=progress)
        state = t("en", "broadcasts.states.cancelled")
        assert op.answer_to(again) == {
            "text": t("en", "broadcasts.toast.wrong_state", id=campaign, state=state)
        }


async def test_interactive_replies_stay_prompt_during_a_broadcast(
    sqlite_url: str, tmp_path: Path
) -> None:
    settings = broadcast_settings(sqlite_url, tmp_path, rate=25)
    async with BotHarness(settings) as harness:
        people = await subscribe_directly(harness, 60, "ru")
        asker = harness.user("Asker", language_code="en")
        campaign = await launch(harness, "BUSY-TEST")
        await harness.wait_for(lambda: bool(warnings_to(harness, people[5].id, "BUSY-TEST")))
        for _ in range(3):
            started = time.monotonic()
            reply = await asker.send("/help")
            assert reply.text == plain(t("en", "core.help"))
            assert time.monotonic() - started < 1.0
        summary = await summary_of(harness, campaign)
        assert summary.state == CampaignState.RUNNING  # the answers came while it was sending
        await wait_state(harness, campaign, CampaignState.DONE)
        assert harness.api.rate_limited == 0


async def test_a_campaign_created_by_the_cli_is_picked_up_within_two_seconds(
    sqlite_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(engine, "TUNING", engine.Tuning())  # the production poll interval
    settings = broadcast_settings(sqlite_url, tmp_path, rate=25)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("PII_SECRET", "test-pii-secret-0123456789")
    monkeypatch.setattr(cli, "settings_for_cli", load_settings)
    text = tmp_path / "warning.html"
    text.write_text("<b>CLI-ALERT</b>: do not share SMS codes", encoding="utf-8")
    async with BotHarness(settings) as harness:
        people = await subscribe_directly(harness, 3, "en")
        await asyncio.sleep(1.2)  # the dispatcher is idle, between two polls
        argv = ["broadcast", "create", "--text", str(text), "--yes", "--json"]
        code = await asyncio.to_thread(esign_bot, argv)
        created = time.monotonic()
        assert code == 0
        assert json.loads(capsys.readouterr().out)["total"] == 3
        await harness.wait_for(lambda: bool(warnings_to(harness, people[0].id, "CLI-ALERT")))
        assert time.monotonic() - created < 2.0
