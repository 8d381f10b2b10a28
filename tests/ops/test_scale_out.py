"""Three instances behind nginx, sharing PostgreSQL: one crashes, one is stopped, and
nothing is lost, no reply is repeated, and the broadcast leader moves on.

The instances are real `esign-bot run` processes in webhook mode; the fake Bot API (the
harness, "external" mode) delivers every update to nginx the way Telegram does, retrying
until it gets a 2xx.

What exactly is promised after a crash (SIGKILL): an update the dead instance was handling at
that instant may have had its reply sent before the instance died, and Telegram's redelivery
is then answered again; the Bot API has no idempotency key to prevent that. So: every update
is answered; updates in flight at the dead instance at the instant of the kill are answered at
least once (at most twice); every other update exactly once. After SIGTERM, exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.broadcasts import campaigns
from bot.broadcasts.engine import in_flight_limit
from bot.db.engine import create_engine, create_sessionmaker
from bot.harness import BotHarness, FakeUser
from bot.harness.driver import HARNESS_TOKEN
from tests.ops.cluster import NGINX, NO_NGINX, Instance, Nginx, instance_env
from tests.ops.texts import first_line

pytestmark = pytest.mark.skipif(NGINX is None, reason=NO_NGINX)

OPERATOR = 900_777
USERS = 20
BROADCAST_RATE = 5.0
WARNING = "⚠️ Scale-out test warning: never share your key."
HELP_MARK = first_line("en", "core.help")
SECRET = "scale-out-secret_0123456789"


async def _until(what: str, condition: object, within: float) -> float:
    """Poll an async or sync condition; return how long it took."""
    started = time.monotonic()
    while True:
        result = condition() if callable(condition) else condition
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return time.monotonic() - started
        if time.monotonic() - started > within:
            raise AssertionError(f"{what}: not within {within} s")
        await asyncio.sleep(0.1)


async def _leaders(instances: list[Instance]) -> list[Instance]:
    found = []
    for instance in instances:
        if instance.alive and await instance.metric("esign_broadcast_leader") == 1:
            found.append(instance)
    return found


@pytest.fixture
async def cluster(
    empty_postgres_url: str, tmp_path: Path
) -> AsyncIterator[tuple[BotHarness, list[Instance], Nginx]]:
    async with BotHarness(mode="external") as harness:
        instances = [Instance(f"bot{i}", {}, tmp_path / "bots") for i in range(3)]
        nginx = Nginx(tmp_path / "nginx", upstreams=[i.port for i in instances])
        env = instance_env(
            database_url=empty_postgres_url,
            api_base=harness.api.base_url,
            file_base=harness.api.file_url,
            token=HARNESS_TOKEN,
            webhook_url=nginx.webhook_url,
            secret=SECRET,
        )
        env |= {
            "OPERATOR_IDS": str(OPERATOR),
            "BROADCAST_RATE": str(BROADCAST_RATE),
            "FLOOD_LIMIT_PER_MINUTE": "0",
        }
        nginx.start()
        try:
            await nginx.wait_ready()
            for instance in instances:
                instance.env = env
                instance.start()  # all at once: the migrations run once, under the lock
            try:
                await _until(
                    "all instances healthy",
                    lambda: _all_healthy(instances),
                    within=60,
                )
            except AssertionError:
                raise AssertionError("\n".join(i.log()[-3000:] for i in instances)) from None
            yield harness, instances, nginx
        finally:
            for instance in instances:
                instance.stop()
            nginx.stop()


async def _all_healthy(instances: list[Instance]) -> bool:
    return all([await i.healthy() for i in instances])


def _count(harness: BotHarness, user: FakeUser, mark: str) -> int:
    return sum(mark in (m.text or "") for m in harness.messages_to(user.id))


async def _start_broadcast(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            campaign_id = await campaigns.create_draft(
                session,
                {"all": WARNING},
                created_by=OPERATOR,
                report_chat_id=None,
                report_lang="en",
            )
            assert (await campaigns.start(session, campaign_id)).ok
            return campaign_id
    finally:
        await engine.dispose()


async def test_a_crash_and_a_stop_lose_nothing_and_repeat_nothing(
    cluster: tuple[BotHarness, list[Instance], Nginx], empty_postgres_url: str
) -> None:
    harness, instances, _ = cluster
    api = harness.api
    assert api.delivery.webhook is not None
    assert api.delivery.webhook.url.endswith("/telegram/webhook")
    await _until("a broadcast leader", lambda: _one_leader(instances), within=15)
    first_leader = (await _leaders(instances))[0]

    users = [harness.user(f"P{i}", language_code="en") for i in range(USERS)]
    await asyncio.gather(*(u.send("/start") for u in users))  # subscribes them to warnings
    assert all(
        _count(harness, u, first_line("en", "core.welcome", name=u.account.first_name)) == 1
        for u in users
    )

    # Users keep writing through everything that follows.
    sent: dict[int, list[int]] = {u.id: [] for u in users}  # user → update ids of /help
    stop = asyncio.Event()
    burst = asyncio.Event()  # everyone writes at once (to have updates in flight at the crash)
    rng = random.Random(9)

    async def chatter(user: FakeUser) -> None:
        while not stop.is_set():
            reply = await user.send("/help")
            sent[user.id].append(reply.update_id)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(burst.wait(), rng.uniform(0.8, 1.6))

    traffic = [asyncio.create_task(chatter(u)) for u in users]
    try:
        await _start_broadcast(empty_postgres_url)
        await _until(
            "the broadcast under way",
            lambda: sum(_count(harness, u, WARNING) for u in users) >= 6,
            within=20,
        )

        # 1. The leader crashes mid-broadcast, with updates in flight.
        for _ in range(20):
            burst.set()
            await asyncio.sleep(0.01)
            burst.clear()
            if (await first_leader.metric("esign_webhook_requests_in_flight") or 0) >= 1:
                break
            await asyncio.sleep(0.5)
        killed_at = time.monotonic()
        first_leader.kill()
        failover = await _until("a new broadcast leader", lambda: _one_leader(instances), within=15)
        second_leader = (await _leaders(instances))[0]
        assert second_leader is not first_leader
        await _until(
            "every subscriber warned",
            lambda: all(_count(harness, u, WARNING) >= 1 for u in users),
            within=30,
        )

        # 2. The new leader is stopped gracefully (a deploy), still with updates in flight.
        await asyncio.sleep(1.0)
        second_leader.terminate()
        assert second_leader.process is not None
        await asyncio.to_thread(second_leader.process.wait, 40)
        assert second_leader.process.returncode == 0, second_leader.log()[-3000:]
        handover = await _until(
            "the last instance leads", lambda: _one_leader(instances), within=10
        )
        await asyncio.sleep(2.0)  # more traffic on the last instance alone
    finally:
        stop.set()
        await asyncio.gather(*traffic)

    # Every update reached the bot and was answered with 2xx (deliver() waited for that).
    assert sum(len(ids) for ids in sent.values()) >= USERS * 4
    # Answered at least once, and exactly once unless in flight at the crashed instance.
    in_flight_at_crash = {
        a.update_id for a in api.delivery.attempts if a.started <= killed_at <= a.finished
    }
    repeated = []
    for user in users:
        helps = _count(harness, user, HELP_MARK)
        allowed = len(set(sent[user.id]) & in_flight_at_crash)
        assert len(sent[user.id]) <= helps <= len(sent[user.id]) + allowed, user.id
        repeated.extend([user.id] * (helps - len(sent[user.id])))
    # The broadcast: everyone warned; a crash repeats at most the sends in flight.
    warnings = [_count(harness, u, WARNING) for u in users]
    assert min(warnings) == 1
    assert sum(warnings) - len(users) <= in_flight_limit(BROADCAST_RATE)
    # Leadership moved on both times, quickly; the stopped instance said goodbye cleanly.
    assert failover < 10
    assert handover < 5  # released at once on SIGTERM, not after a timeout
    assert "stopped" in second_leader.log()
    survivors = [i for i in instances if i.alive]
    assert len(survivors) == 1
    for instance in instances:
        assert "Traceback" not in instance.log(), instance.log()[-3000:]
    print(
        f"\nscale-out: {sum(len(v) for v in sent.values())} /help updates, "
        f"{len(in_flight_at_crash)} in flight at the crash, {len(repeated)} answered twice; "
        f"broadcast repeats {sum(warnings) - len(users)}; failover {failover:.1f} s, "
        f"handover after SIGTERM {handover:.1f} s"
    )


async def _one_leader(instances: list[Instance]) -> bool:
    return len(await _leaders(instances)) == 1
