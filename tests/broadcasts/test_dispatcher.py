"""The dispatcher against a scripted sender, on SQLite and PostgreSQL: retries, 429, pacing,
crash recovery with its duplicate bound, and SKIP LOCKED claims."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcasts import campaigns, engine, subscriptions
from bot.broadcasts.deliveries import Claimed, Outcome, Store
from bot.broadcasts.engine import Dispatcher, RateLimited, Transient
from bot.broadcasts.models import CampaignState, Delivery, DeliveryState
from bot.db import migrate
from bot.db.engine import create_engine, create_sessionmaker
from bot.i18n import Texts

TEXTS = Texts.load()
FAST = engine.Tuning(
    poll_interval=0.02, progress_interval=0.2, max_attempts=3, backoff_base=0.1, backoff_max=0.4
)


@dataclass
class Db:
    sessionmaker: async_sessionmaker[AsyncSession]
    store: Store


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Db]:
    db_engine = create_engine(database_url)
    await migrate.upgrade(db_engine)
    sessionmaker = create_sessionmaker(db_engine)
    yield Db(sessionmaker, Store(sessionmaker))
    await db_engine.dispose()


class ScriptedSender:
    """Records every send; `script(chat_id, n)` may raise for the n-th send to a chat."""

    def __init__(self, script: Callable[[int, int], None] | None = None) -> None:
        self.sent: list[tuple[float, int, str]] = []
        self.tries: dict[int, int] = {}
        self.script = script

    async def send(self, chat_id: int, text: str) -> None:
        self.tries[chat_id] = self.tries.get(chat_id, 0) + 1
        if self.script is not None:
            self.script(chat_id, self.tries[chat_id])
        self.sent.append((time.monotonic(), chat_id, text))

    def chats(self) -> list[int]:
        return [chat for _, chat, _ in self.sent]


async def campaign_for(db: Db, count: int, texts: dict[str, str] | None = None) -> int:
    async with db.sessionmaker() as session:
        for chat_id in range(1, count + 1):
            lang = ("kk", "ru", "en")[chat_id % 3]
            await subscriptions.subscribe(
                session, chat_id=chat_id, chat_type="private", lang=lang, by_user=chat_id
            )
        campaign_id = await campaigns.create_draft(
            session, texts or {"all": "W"}, created_by=1, report_chat_id=None, report_lang="en"
        )
        assert (await campaigns.start(session, campaign_id)).ok
    return campaign_id


async def run_until(
    dispatcher: Dispatcher, db: Db, campaign_id: int, states: Sequence[str], within: float = 10
) -> campaigns.Summary:
    task = asyncio.create_task(dispatcher.run())
    try:
        deadline = time.monotonic() + within
        while True:
            summary = await db.store.summary(campaign_id)
            assert summary is not None
            if summary.state in states:
                return summary
            assert time.monotonic() < deadline, summary
            assert not task.done(), task
            await asyncio.sleep(0.02)
    finally:
        dispatcher.stop()
        await asyncio.wait_for(task, 5)


async def wait_until(condition: Callable[[], bool], within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


def dispatcher(db: Db, sender: ScriptedSender, rate: float = 500.0) -> Dispatcher:
    return Dispatcher(db.store, sender, rate=rate, texts=TEXTS, tuning=FAST)


async def test_each_language_gets_its_text(db: Db) -> None:
    texts = {"kk": "W-kk", "ru": "W-ru", "en": "W-en"}
    campaign_id = await campaign_for(db, 9, texts)
    sender = ScriptedSender()
    done = await run_until(dispatcher(db, sender), db, campaign_id, [CampaignState.DONE])
    assert done.count(DeliveryState.SENT) == 9
    assert {(chat, text) for _, chat, text in sender.sent} == {
        (chat, texts[("kk", "ru", "en")[chat % 3]]) for chat in range(1, 10)
    }


async def test_transient_failures_are_retried_with_backoff_up_to_a_limit(db: Db) -> None:
    def script(chat_id: int, attempt: int) -> None:
        if chat_id == 1 and attempt <= 2:
            raise Transient("Bad Gateway")
        if chat_id == 2:
            raise Transient("Internal Server Error")

    campaign_id = await campaign_for(db, 4)
    sender = ScriptedSender(script)
    done = await run_until(dispatcher(db, sender), db, campaign_id, [CampaignState.DONE])
    assert (done.count(DeliveryState.SENT), done.count(DeliveryState.FAILED)) == (3, 1)
    assert sender.tries[1] == 3
    assert sender.tries[2] == FAST.max_attempts
    async with db.sessionmaker() as session, session.begin():
        failed = await session.scalar(select(Delivery).where(Delivery.chat_id == 2))
    assert failed is not None
    assert (failed.attempts, failed.error) == (3, "Internal Server Error")


async def test_429_holds_every_send_for_retry_after(db: Db) -> None:
    limited_at: list[float] = []

    def script(chat_id: int, attempt: int) -> None:
        if chat_id == 3 and attempt == 1:
            limited_at.append(time.monotonic())
            raise RateLimited(0.3)

    campaign_id = await campaign_for(db, 10)
    sender = ScriptedSender(script)
    done = await run_until(dispatcher(db, sender, rate=200), db, campaign_id, [CampaignState.DONE])
    assert done.count(DeliveryState.SENT) == 10
    assert sorted(sender.chats()) == list(range(1, 11))  # the limited one too, once
    # At 200/s the ten would take 50 ms. Sends already under way when the 429 came back go
    # out at once; after them, nothing until retry_after has passed.
    hold = limited_at[0]
    assert [at for at, _, _ in sender.sent if hold + 0.02 < at < hold + 0.29] == []
    assert sender.sent[-1][0] - limited_at[0] >= 0.29


async def test_sends_are_paced_at_the_configured_rate(db: Db) -> None:
    campaign_id = await campaign_for(db, 30)
    sender = ScriptedSender()
    await run_until(dispatcher(db, sender, rate=50), db, campaign_id, [CampaignState.DONE])
    times = [at for at, _, _ in sender.sent]
    achieved = (len(times) - 1) / (times[-1] - times[0])
    assert 40 <= achieved <= 55


async def test_a_crash_resends_only_what_was_in_flight(
    db: Db, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kill the dispatcher while its outcomes cannot be recorded: the sends made meanwhile are
    the only duplicates after the restart, and there are at most in_flight_limit of them."""
    campaign_id = await campaign_for(db, 40)
    first = ScriptedSender()
    crashing = dispatcher(db, first, rate=100)
    limit = crashing.in_flight_limit
    never = asyncio.Event()

    async def stuck(outcomes: Sequence[Outcome]) -> None:
        await never.wait()

    monkeypatch.setattr(crashing.store, "record", stuck)
    task = asyncio.create_task(crashing.run())
    await wait_until(lambda: len(first.sent) >= limit)
    await asyncio.sleep(0.2)
    assert len(first.sent) == limit  # no slot frees up until an outcome is committed
    task.cancel()  # the process dies here
    await asyncio.gather(task, return_exceptions=True)
    monkeypatch.undo()

    second = ScriptedSender()
    restarted = Dispatcher(Store(db.sessionmaker), second, rate=500, texts=TEXTS, tuning=FAST)
    done = await run_until(restarted, db, campaign_id, [CampaignState.DONE])
    assert done.count(DeliveryState.SENT) == 40
    received = first.chats() + second.chats()
    assert set(received) == set(range(1, 41))  # nobody lost
    duplicates = len(received) - 40
    assert duplicates == limit == engine.in_flight_limit(100)


async def test_claimed_but_unsent_deliveries_are_sent_after_a_restart(db: Db) -> None:
    campaign_id = await campaign_for(db, 20)
    claimed = await db.store.claim(campaign_id, 8)  # then the process died before sending
    assert len(claimed) == 8
    sender = ScriptedSender()
    done = await run_until(dispatcher(db, sender), db, campaign_id, [CampaignState.DONE])
    assert done.count(DeliveryState.SENT) == 20
    assert sorted(sender.chats()) == list(range(1, 21))


async def test_pause_gives_back_claimed_deliveries(db: Db) -> None:
    campaign_id = await campaign_for(db, 30)
    sender = ScriptedSender()
    runner = dispatcher(db, sender, rate=40)
    task = asyncio.create_task(runner.run())
    await wait_until(lambda: len(sender.sent) >= 5)
    async with db.sessionmaker() as session:
        assert (await campaigns.pause(session, campaign_id)).ok
    runner.wake()
    await asyncio.sleep(0.3)
    summary = await db.store.summary(campaign_id)
    assert summary is not None
    assert summary.count(DeliveryState.SENDING) == 0
    assert summary.count(DeliveryState.SENT) == len(sender.sent)
    async with db.sessionmaker() as session:
        assert (await campaigns.resume(session, campaign_id)).ok
    runner.wake()
    deadline = time.monotonic() + 5
    while (await db.store.summary(campaign_id)).state != CampaignState.DONE:  # type: ignore[union-attr]
        assert time.monotonic() < deadline
        await asyncio.sleep(0.02)
    runner.stop()
    await task
    assert sorted(sender.chats()) == list(range(1, 31))


async def test_claims_skip_rows_locked_by_another_transaction(db: Db, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("FOR UPDATE SKIP LOCKED is PostgreSQL's; SQLite has one writer")
    campaign_id = await campaign_for(db, 20)
    async with db.sessionmaker() as other, other.begin():
        locked = (
            await other.scalars(
                text("SELECT id FROM broadcast_deliveries ORDER BY id LIMIT 5 FOR UPDATE")
            )
        ).all()
        claimed = await asyncio.wait_for(db.store.claim(campaign_id, 10), 2)
    assert len(claimed) == 10
    assert not {c.id for c in claimed} & set(locked)


async def test_deliveries_orphaned_mid_run_are_sent_before_the_end(db: Db) -> None:
    """Rows left "sending" by no one (a claim whose answer was lost) do not block the end."""
    campaign_id = await campaign_for(db, 6)
    orphaned: list[int] = []

    async def orphan_two() -> None:
        async with db.sessionmaker() as session, session.begin():
            await session.execute(
                text(
                    "UPDATE broadcast_deliveries SET state = 'sending' "
                    "WHERE chat_id IN (5, 6) AND state = 'pending'"
                )
            )
        orphaned.extend([5, 6])

    class Orphaning(ScriptedSender):
        async def send(self, chat_id: int, text: str) -> None:
            if not orphaned:
                await orphan_two()
            await super().send(chat_id, text)

    sender = Orphaning()
    done = await run_until(dispatcher(db, sender, rate=50), db, campaign_id, [CampaignState.DONE])
    assert done.count(DeliveryState.SENT) == 6
    assert sorted(sender.chats()) == [1, 2, 3, 4, 5, 6]


async def test_a_database_failure_restarts_the_dispatcher_on_the_leader(
    db: Db, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.ops.leader import Leadership

    campaign_id = await campaign_for(db, 10)
    sender = ScriptedSender()
    runner = dispatcher(db, sender, rate=100)
    real_claim = runner.store.claim
    failures = [1]

    async def flaky_claim(cid: int, limit: int) -> list[Claimed]:
        if failures:
            failures.pop()
            raise OSError("connection reset")
        return await real_claim(cid, limit)

    monkeypatch.setattr(runner.store, "claim", flaky_claim)
    engine_ = db.sessionmaker.kw["bind"]
    leadership = Leadership(engine_, "test-dispatch", restart_delay=0.05, check_interval=0.05)
    task = asyncio.create_task(leadership.run(runner.run))
    try:
        await wait_until(lambda: len(sender.sent) == 10)
        await wait_until(lambda: not failures)
        summary = await db.store.summary(campaign_id)
        deadline = time.monotonic() + 5
        while summary is not None and summary.state != CampaignState.DONE:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.02)
            summary = await db.store.summary(campaign_id)
    finally:
        runner.stop()
        leadership.stop()
        await asyncio.wait_for(task, 5)
        await leadership.close()
    assert sorted(sender.chats()) == list(range(1, 11))
