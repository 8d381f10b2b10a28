"""The dispatcher: claims deliveries, sends them at the configured pace, records each outcome.

Delivery guarantees
-------------------
A delivery is *in flight* from the moment its send starts until its outcome is committed. At
most `in_flight_limit(rate)` deliveries are in flight at once (a semaphore held across the send
and the commit). After a crash at any moment, a restart resends every delivery still marked
"sending": those never sent are simply sent, those sent but not yet recorded reach the person
twice. So no recipient is lost, and a crash duplicates at most `in_flight_limit(rate)` messages:
4 at the default 25/s, 100 at 1000/s.

This module knows nothing of Telegram: a Sender turns its answers into the errors below.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from bot.broadcasts import progress
from bot.broadcasts.deliveries import CampaignInfo, Claimed, Outcome, Store
from bot.broadcasts.models import CampaignState, DeliveryState
from bot.broadcasts.pacing import HoldOnly, Pacer, TokenBucket
from bot.db.base import utcnow
from bot.i18n import Texts
from bot.ops.cancellation import reraise_if_cancelled

log = logging.getLogger(__name__)


# ---- what a send can end in ----------------------------------------------------------------


class SendError(Exception):
    """A send that did not deliver; the subclass says what to do about it."""


class Blocked(SendError):
    """The person blocked the bot (or deleted their account)."""


class Left(SendError):
    """The bot is no longer in the group, or the chat is gone."""


class RateLimited(SendError):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited for {retry_after}s")
        self.retry_after = retry_after


class Migrated(SendError):
    def __init__(self, new_chat_id: int) -> None:
        super().__init__("group upgraded to a supergroup")
        self.new_chat_id = new_chat_id


class Transient(SendError):
    """Worth retrying later: network trouble, Telegram's own errors."""


class Permanent(SendError):
    """Retrying would not help (a bad request)."""


class Sender(Protocol):
    async def send(self, chat_id: int, text: str) -> None: ...


class Notifier(Protocol):
    """Shows the operator a campaign's progress and its final report."""

    async def show(
        self,
        chat_id: int,
        message_id: int | None,
        text: str,
        buttons: Sequence[progress.Button],
    ) -> int | None:
        """Edit the progress message (or send it when there is none); return its id."""
        ...

    async def send(self, chat_id: int, text: str) -> None: ...


# ---- tuning ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tuning:
    poll_interval: float = 1.0  # how soon new campaigns, pauses and cancels are noticed
    progress_interval: float = 3.0  # how often the progress message is edited
    max_attempts: int = 5  # sends of one delivery before it counts as failed
    backoff_base: float = 5.0  # seconds before the first retry; doubles each time
    backoff_max: float = 300.0
    max_rate_limited: int = 10  # 429s in a row for one delivery before it is retried later
    stop_timeout: float = 5.0  # at shutdown, how long in-flight sends may take to settle
    write_retry: float = 0.5  # pause between attempts to record outcomes when the DB fails
    group_window: float = 0.01  # outcomes arriving this close together share one transaction


TUNING = Tuning()


def in_flight_limit(rate: float) -> int:
    """Deliveries sent but not yet recorded, at most: the bound on duplicates after a crash."""
    return max(4, math.ceil(rate / 10))


def claim_size(rate: float) -> int:
    """Deliveries claimed per transaction: about half a second of sending."""
    return max(in_flight_limit(rate), min(500, math.ceil(rate / 2)))


# ---- recording outcomes --------------------------------------------------------------------


class OutcomeWriter:
    """Commits outcomes as they come, in one transaction for all that arrive within a moment.

    A sender waits for its outcome's commit before it frees its in-flight slot, so the bound on
    unrecorded sends holds even when the database is slow.
    """

    def __init__(self, store: Store, tuning: Tuning, max_group: int = 1000) -> None:
        self._store = store
        self._tuning = tuning
        self._max_group = max_group
        self._queue: list[tuple[Outcome, asyncio.Future[None]]] = []
        self._ready = asyncio.Event()
        self.commits = 0

    async def record(self, outcome: Outcome) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((outcome, future))
        self._ready.set()
        await future

    async def run(self) -> None:
        while True:
            await self._ready.wait()
            # A moment for the outcomes of the other sends in flight to join this transaction.
            await asyncio.sleep(self._tuning.group_window)
            group = self._queue[: self._max_group]
            del self._queue[: self._max_group]
            if not self._queue:
                self._ready.clear()
            await self._commit([outcome for outcome, _ in group])
            for _, future in group:
                if not future.done():
                    future.set_result(None)

    async def _commit(self, outcomes: list[Outcome]) -> None:
        while True:
            try:
                await self._store.record(outcomes)
                self.commits += 1
                return
            except Exception:  # the DB is away: keep the outcomes, and the slots, until it is back
                reraise_if_cancelled()
                log.exception("could not record %d broadcast outcomes; retrying", len(outcomes))
                await asyncio.sleep(self._tuning.write_retry)


# ---- the dispatcher ------------------------------------------------------------------------


class Dispatcher:
    """Runs the campaigns, oldest first, while this process is the leader."""

    def __init__(
        self,
        store: Store,
        sender: Sender,
        *,
        rate: float,
        texts: Texts,
        notifier: Notifier | None = None,
        tuning: Tuning | None = None,
        paced_by_sender: bool = False,
    ) -> None:
        """`paced_by_sender`: the sender waits for its own slots (the bot's send budget, where
        a broadcast gets what replies and notices leave); the dispatcher then only keeps the
        in-flight bound and holds after a 429. Otherwise it paces itself at `rate`."""
        self.store = store
        self.sender = sender
        self.notifier = notifier
        self.texts = texts
        self.rate = rate
        self.tuning = tuning or TUNING
        self.in_flight_limit = in_flight_limit(rate)
        self.paced_by_sender = paced_by_sender
        self._wake = asyncio.Event()
        self._stopping = False
        self.writer: OutcomeWriter | None = None

    def wake(self) -> None:
        """Something changed (a new campaign, a pause): look now rather than at the next poll."""
        self._wake.set()

    def stop(self) -> None:
        """Finish the sends in flight, record them, and return from run()."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        """The leader's loop. Cancelling it (leadership lost) leaves claims for the next one."""
        self._stopping = False
        bucket: Pacer = HoldOnly() if self.paced_by_sender else TokenBucket(self.rate)
        slots = asyncio.Semaphore(self.in_flight_limit)
        writer = self.writer = OutcomeWriter(self.store, self.tuning)
        writer_task = asyncio.create_task(writer.run(), name="broadcast-outcomes")
        try:
            recovered = await self.store.recover()
            if recovered:
                log.warning("resending %d broadcast deliveries left in flight", recovered)
            while not self._stopping:
                await self._report_finished()
                campaign = await self.store.next_running()
                if campaign is None:
                    await self._sleep(self.tuning.poll_interval)
                    continue
                run = _CampaignRun(self, campaign, bucket, slots, writer)
                await run.execute()
        finally:
            writer_task.cancel()
            await asyncio.gather(writer_task, return_exceptions=True)

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._wake.wait(), max(0.0, seconds))
        except TimeoutError:
            return
        self._wake.clear()

    async def _report_finished(self) -> None:
        for campaign_id in await self.store.unreported():
            await self.show_progress(campaign_id, final=True)

    async def show_progress(
        self, campaign_id: int, *, final: bool = False, measured_rate: float | None = None
    ) -> None:
        """Edit the operator's progress message; with final=True also send the report."""
        campaign = await self.store.campaign(campaign_id)
        summary = await self.store.summary(campaign_id)
        if campaign is None or summary is None:
            return
        if self.notifier is None or campaign.report_chat_id is None:
            if final:
                await self.store.mark_reported(campaign_id)
            return
        lang = campaign.report_lang
        rate = measured_rate or self.rate
        text = progress.progress_text(self.texts, lang, summary, rate=rate)
        buttons = [] if final else progress.buttons(self.texts, lang, summary)
        try:
            message_id = await self.notifier.show(
                campaign.report_chat_id, campaign.progress_message_id, text, buttons
            )
            if message_id is not None and message_id != campaign.progress_message_id:
                await self.store.set_progress_message(campaign_id, message_id)
            if final:
                await self.notifier.send(
                    campaign.report_chat_id, progress.report_text(self.texts, lang, summary)
                )
        except Exception:  # progress is a courtesy; sending goes on
            reraise_if_cancelled()
            log.warning("could not update progress of campaign %s", campaign_id, exc_info=True)
        if final:
            await self.store.mark_reported(campaign_id)

    def retry_or_fail(self, claimed: Claimed, error: str) -> Outcome:
        attempts = claimed.attempts + 1
        if attempts >= self.tuning.max_attempts:
            return Outcome(claimed.id, claimed.chat_id, DeliveryState.FAILED, attempts, None, error)
        delay = min(self.tuning.backoff_max, self.tuning.backoff_base * 2 ** (attempts - 1))
        due = utcnow() + timedelta(seconds=delay)
        return Outcome(claimed.id, claimed.chat_id, DeliveryState.PENDING, attempts, due, error)


class _CampaignRun:
    """One campaign until it is done, paused, cancelled, or the dispatcher stops."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        campaign: CampaignInfo,
        bucket: Pacer,
        slots: asyncio.Semaphore,
        writer: OutcomeWriter,
    ) -> None:
        self.d = dispatcher
        self.campaign = campaign
        self.bucket = bucket
        self.slots = slots
        self.writer = writer
        self.state = campaign.state
        self.queue: deque[Claimed] = deque()
        self.claim_size = claim_size(dispatcher.rate)
        self.claiming: asyncio.Task[list[Claimed]] | None = None
        self.tasks: set[asyncio.Task[None]] = set()
        self.finished_at: deque[float] = deque(maxlen=4096)

    async def execute(self) -> None:
        d = self.d
        log.info("broadcast %s: sending", self.campaign.id)
        helpers = [
            asyncio.create_task(self._report_progress(), name="broadcast-progress"),
            asyncio.create_task(self._watch_state(), name="broadcast-state"),
        ]
        try:
            await self._send_all()
        except BaseException:
            # Leadership lost, or the database failed: stop at once. What is claimed stays
            # "sending" until the next run (here or on another leader) recovers it.
            for task in [*self.tasks, *([self.claiming] if self.claiming else [])]:
                task.cancel()
            raise
        finally:
            for helper in helpers:
                helper.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)
        if self.claiming is not None:
            # A claim made ahead: its rows are ours, to give back below.
            self.queue.extend(await self._claim())
        # Stopped claiming: let the sends in flight settle, give back what was never sent.
        if self.tasks:
            await asyncio.wait(self.tasks, timeout=d.tuning.stop_timeout)
        await d.store.release([c.id for c in self.queue])
        self.queue.clear()
        state = await d.store.state_of(self.campaign.id)
        log.info("broadcast %s: %s", self.campaign.id, state)
        if state in CampaignState.FINAL:
            await d.show_progress(self.campaign.id, final=True)
        elif state == CampaignState.PAUSED:
            await d.show_progress(self.campaign.id)

    async def _watch_state(self) -> None:
        """Re-read the campaign's state each poll interval, or at once when woken."""
        d = self.d
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(d._wake.wait(), d.tuning.poll_interval)
            d._wake.clear()
            try:
                self.state = await d.store.state_of(self.campaign.id) or CampaignState.CANCELLED
            except Exception:  # the loop goes on with what it knew; the next read may work
                reraise_if_cancelled()
                log.warning("could not read the state of broadcast %s", self.campaign.id)

    async def _claim(self) -> list[Claimed]:
        if self.claiming is None:
            return await self.d.store.claim(self.campaign.id, self.claim_size)
        claiming, self.claiming = self.claiming, None
        return await claiming

    async def _send_all(self) -> None:
        """Claim ahead (in the background, so sending never waits on the database) and send."""
        d, cid = self.d, self.campaign.id
        drained = False  # the last claim found nothing: no point claiming ahead
        while True:
            if self.state != CampaignState.RUNNING or d._stopping:
                return
            if not drained and self.claiming is None and len(self.queue) < self.claim_size // 2:
                self.claiming = asyncio.create_task(d.store.claim(cid, self.claim_size))
            if not self.queue:
                self.queue.extend(await self._claim())
                drained = not self.queue
            if not self.queue:
                if self.tasks:
                    # Sends in flight may end in a retry: wait for one, then look again.
                    await asyncio.wait(
                        self.tasks, timeout=d.tuning.poll_interval, return_when="FIRST_COMPLETED"
                    )
                    continue
                due = await d.store.next_retry_at(cid)
                if due is None:
                    if await d.store.finish(cid):
                        self.state = CampaignState.DONE
                        return
                    # Rows still "sending" while nothing is in flight here have lost their
                    # sender (only the leader sends): they are due again.
                    if await d.store.reclaim_orphans(cid):
                        log.warning("broadcast %s: resending orphaned deliveries", cid)
                    self.state = await d.store.state_of(cid) or CampaignState.CANCELLED
                    continue
                wait = (due - utcnow()).total_seconds()
                await asyncio.sleep(min(d.tuning.poll_interval, max(0.05, wait)))
                continue
            await self.slots.acquire()
            try:
                await self.bucket.acquire()
            except BaseException:
                self.slots.release()
                raise
            claimed = self.queue.popleft()
            task = asyncio.create_task(self._deliver(claimed))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _deliver(self, claimed: Claimed) -> None:
        try:
            outcome = await self._send(claimed)
            await self.writer.record(outcome)
            if outcome.state != DeliveryState.PENDING:
                self.finished_at.append(time.monotonic())
        finally:
            self.slots.release()

    async def _send(self, claimed: Claimed) -> Outcome:
        texts = self.campaign.texts
        text = texts.get(claimed.lang) or texts.get("en") or next(iter(texts.values()))
        chat_id, migrated_to, limited = claimed.chat_id, None, 0
        attempts = claimed.attempts + 1
        while True:
            try:
                await self.d.sender.send(chat_id, text)
                return Outcome(
                    claimed.id,
                    claimed.chat_id,
                    DeliveryState.SENT,
                    attempts,
                    None,
                    None,
                    migrated_to,
                )
            except RateLimited as exc:
                # Telegram's limit is per bot: nobody sends until retry_after has passed.
                limited += 1
                self.bucket.hold(exc.retry_after)
                if limited > self.d.tuning.max_rate_limited:
                    return self.d.retry_or_fail(claimed, str(exc))
                await self.bucket.acquire()
            except Migrated as exc:
                if migrated_to is not None:
                    return self.d.retry_or_fail(claimed, str(exc))
                chat_id = migrated_to = exc.new_chat_id
                await self.bucket.acquire()
            except Blocked as exc:
                return Outcome(claimed.id, chat_id, DeliveryState.BLOCKED, attempts, None, str(exc))
            except Left as exc:
                return Outcome(claimed.id, chat_id, DeliveryState.LEFT, attempts, None, str(exc))
            except Permanent as exc:
                return Outcome(claimed.id, chat_id, DeliveryState.FAILED, attempts, None, str(exc))
            except Transient as exc:
                return self.d.retry_or_fail(claimed, str(exc))
            except Exception as exc:  # a bug or an unforeseen answer: retry, never lose it
                log.exception("unexpected error sending broadcast %s", self.campaign.id)
                return self.d.retry_or_fail(claimed, type(exc).__name__)

    def measured_rate(self) -> float | None:
        """Deliveries settled per second over the last ten seconds, once there is enough data."""
        now = time.monotonic()
        recent = [t for t in self.finished_at if now - t <= 10.0]
        if len(recent) < 5:
            return None
        span = now - recent[0]
        return len(recent) / span if span >= 1.0 else None

    async def _report_progress(self) -> None:
        cid = self.campaign.id
        while True:
            try:
                await self.d.show_progress(cid, measured_rate=self.measured_rate())
            except Exception:  # a database hiccup: the next report may get through
                reraise_if_cancelled()
                log.warning("could not read the progress of broadcast %s", cid, exc_info=True)
            await asyncio.sleep(self.d.tuning.progress_interval)
