"""Leader election: one dispatcher across instances; another takes over when the leader dies."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from sqlalchemy import text

from bot.db.engine import create_engine
from bot.ops.leader import Leadership


class Job:
    """A stand-in for the dispatcher: counts its runs, notices being cancelled."""

    def __init__(self) -> None:
        self.running = False
        self.starts = 0

    async def work(self) -> None:
        self.running, self.starts = True, self.starts + 1
        try:
            await asyncio.Event().wait()
        finally:
            self.running = False


async def seconds_until(condition: Callable[[], bool], within: float) -> float | None:
    """How long the condition took to hold, or None if it did not within `within` seconds."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started >= within:
            return None
        await asyncio.sleep(0.02)
    return time.monotonic() - started


async def eventually(condition: Callable[[], bool], within: float) -> bool:
    return await seconds_until(condition, within) is not None


async def test_a_follower_takes_over_when_the_leaders_connection_dies(postgres_url: str) -> None:
    engines = [create_engine(postgres_url) for _ in range(3)]
    first = Leadership(engines[0], "test-job", retry_interval=0.5, check_interval=0.5)
    second = Leadership(engines[1], "test-job", retry_interval=0.5, check_interval=0.5)
    jobs = [Job(), Job()]
    tasks = [
        asyncio.create_task(first.run(jobs[0].work)),
        asyncio.create_task(second.run(jobs[1].work)),
    ]
    try:
        assert await eventually(lambda: first.is_leader or second.is_leader, 5)
        await asyncio.sleep(1.2)  # both had several chances to grab the lock
        assert [first.is_leader, second.is_leader].count(True) == 1
        leader, follower = (first, second) if first.is_leader else (second, first)
        leader_job, follower_job = (jobs[0], jobs[1]) if leader is first else (jobs[1], jobs[0])
        assert leader_job.running
        assert not follower_job.running

        # The leader's database session is killed (its host died, the network split, ...).
        async with engines[2].connect() as admin:
            await admin.execute(
                text("SELECT pg_terminate_backend(:pid)"), {"pid": leader.backend_pid}
            )
        took = await seconds_until(lambda: follower.is_leader and follower_job.running, 5)
        assert took is not None
        assert took < 3  # within seconds: a retry interval plus a check
        assert await eventually(lambda: not leader.is_leader and not leader_job.running, 5)
        # The old leader keeps trying and stays a follower while the new one lives.
        await asyncio.sleep(1.2)
        assert not leader.is_leader
        assert follower.is_leader
    finally:
        for leadership in (first, second):
            leadership.stop()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for leadership in (first, second):
            await leadership.close()
        for engine in engines:
            await engine.dispose()


async def test_stopping_the_leader_hands_over(postgres_url: str) -> None:
    engines = [create_engine(postgres_url) for _ in range(2)]
    first = Leadership(engines[0], "handover", retry_interval=0.3, check_interval=0.3)
    second = Leadership(engines[1], "handover", retry_interval=0.3, check_interval=0.3)
    first_job, second_job = Job(), Job()
    first_task = asyncio.create_task(first.run(first_job.work))
    assert await eventually(lambda: first.is_leader, 5)
    second_task = asyncio.create_task(second.run(second_job.work))
    await asyncio.sleep(0.5)
    assert not second.is_leader
    assert (first_job.running, second_job.running) == (True, False)
    first.stop()
    first_task.cancel()
    await asyncio.gather(first_task, return_exceptions=True)
    await first.close()
    assert not first_job.running
    assert await eventually(lambda: second.is_leader and second_job.running, 3)
    assert second_job.starts == 1
    second.stop()
    second_task.cancel()
    await asyncio.gather(second_task, return_exceptions=True)
    await second.close()
    for engine in engines:
        await engine.dispose()


async def test_on_sqlite_the_only_instance_leads(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    leadership = Leadership(engine, "solo", stop_grace=0.1)
    job = Job()
    task = asyncio.create_task(leadership.run(job.work))
    assert await eventually(lambda: job.running, 1)
    assert leadership.is_leader
    leadership.stop()  # the job ignores it: it is cancelled after the grace period
    await asyncio.wait_for(task, 2)
    await leadership.close()
    await engine.dispose()
    assert not job.running


async def test_work_that_fails_is_restarted_while_leading(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    leadership = Leadership(engine, "flaky", restart_delay=0.05, check_interval=0.05)
    runs: list[int] = []

    async def flaky() -> None:
        runs.append(1)
        if len(runs) < 3:
            raise RuntimeError("database hiccup")
        await asyncio.Event().wait()

    task = asyncio.create_task(leadership.run(flaky))
    # Two failures, each restarted after the delay; the third run lasts.
    assert await eventually(lambda: len(runs) == 3, 2)
    assert leadership.is_leader
    await asyncio.sleep(0.2)  # several restart delays: a lasting run is not started again
    assert len(runs) == 3
    leadership.stop()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await leadership.close()
    await engine.dispose()
