"""One send budget for three instances: a 3,000-recipient broadcast while 30 people chat.

Three `esign-bot run` processes in webhook mode behind nginx, on one PostgreSQL database,
against the harness enforcing Telegram's 30 messages a second per token (and 20 a minute per
group). While the broadcast runs, 20 people in private chats ask questions and check
passwords (/password, then a password: deleted, then the verdict) and 10 post key files in
their work chats (deleted, then a warning). Midway the broadcast leader is killed with
SIGKILL. Reported for the time before the kill, and from a few seconds after it to the end:
429s, budgeted calls a second while the broadcast has a backlog (against the 30/s budget,
the baseline), deletion and reply latency, the broadcast's completeness and repeats, and
replies sent twice.

    TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test \\
        .venv/bin/python tests/benchmarks/bench_send_budget.py [--recipients 3000] [--users 30]

Needs nginx and PostgreSQL. Latency is from the person's message to the bot's reply (or the
deletion) as the fake Telegram records it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bot.harness import BotHarness, FakeUser  # noqa: E402
from bot.harness.driver import HARNESS_TOKEN  # noqa: E402
from bot.harness.records import ChatRecord  # noqa: E402
from tests.benchmarks.bench_broadcast_support import (  # noqa: E402
    add_accounts,
    chat_ids,
    create_campaign,
    fresh_database,
    seed_subscribers,
    summary,
)
from tests.groups.helpers import p12  # noqa: E402
from tests.ops.cluster import NGINX, Instance, Nginx, instance_env  # noqa: E402

WARNING = "⚠️ Benchmark warning: never give anyone your e-signature key or its password."
QUESTIONS = (
    "можно ли дать эцп бухгалтеру?",
    "ЭЦҚ-ны жоғалтып алдым",
    "my boss wants my ecp password",
    "как отозвать эцп",
)
PASSWORD = "Kairat1985kz!"
SECRET = "bench-send-budget-secret_0123"
SETTLE = 5.0  # seconds after the kill before the second window opens
MESSAGE_KINDS = ("sent", "document", "photo", "edited")


@dataclass
class Sample:
    at: float  # when the person sent it
    kind: str  # question | password_prompt | password | key_file
    reply: float | None = None  # seconds to the bot's first message
    deletion: float | None = None  # seconds to the deletion


@dataclass
class Run:
    samples: list[Sample] = field(default_factory=list)
    actions: dict[int, int] = field(default_factory=dict)  # private chat → bot messages due


def p(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def private_chatter(
    harness: BotHarness, user: FakeUser, run: Run, stop: asyncio.Event, rng: random.Random
) -> None:
    api = harness.api
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), rng.uniform(2.0, 6.0))
        if stop.is_set():
            return
        steps = (
            [("question", rng.choice(QUESTIONS))]
            if rng.random() < 0.6
            else [("password_prompt", "/password"), ("password", PASSWORD)]
        )
        for kind, text in steps:
            mark = len(api.events)
            started = time.monotonic()
            await user.send(text)
            sample = Sample(started, kind)
            for event in api.events[mark:]:
                if event.chat_id != user.id or event.at < started:
                    continue
                if event.kind in MESSAGE_KINDS and sample.reply is None:
                    sample.reply = event.at - started
                if event.kind == "deleted" and sample.deletion is None:
                    sample.deletion = event.at - started
            run.samples.append(sample)
            run.actions[user.id] = run.actions.get(user.id, 0) + 1


async def key_file_poster(
    harness: BotHarness,
    user: FakeUser,
    group: ChatRecord,
    run: Run,
    stop: asyncio.Event,
    rng: random.Random,
) -> None:
    api = harness.api
    content = p12()
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), rng.uniform(4.0, 10.0))
        if stop.is_set():
            return
        mark = len(api.events)
        started = time.monotonic()
        await user.send_document("keys.p12", content, chat=group)
        sample = Sample(started, "key_file")
        for event in api.events[mark:]:
            if event.chat_id != group.id or event.at < started:
                continue
            if event.kind in MESSAGE_KINDS and sample.reply is None:
                sample.reply = event.at - started
            if event.kind == "deleted" and sample.deletion is None:
                sample.deletion = event.at - started
        run.samples.append(sample)


async def leader_of(instances: list[Instance]) -> Instance | None:
    for instance in instances:
        if instance.alive and await instance.metric("esign_broadcast_leader") == 1:
            return instance
    return None


def window_figures(
    harness: BotHarness, run: Run, start: float, end: float, recipients: set[int]
) -> dict[str, float]:
    events = [e for e in harness.api.events if start <= e.at < end]
    span = max(1e-9, end - start)
    messages = sum(e.kind in MESSAGE_KINDS for e in events)
    deletions = sum(e.kind == "deleted" for e in events)
    broadcast = sum(e.kind == "sent" and e.chat_id in recipients for e in events)
    samples = [s for s in run.samples if start <= s.at < end]
    replies = [s.reply for s in samples if s.reply is not None and s.kind != "key_file"]
    group_replies = [s.reply for s in samples if s.reply is not None and s.kind == "key_file"]
    deletes = [s.deletion for s in samples if s.deletion is not None]
    return {
        "seconds": span,
        "calls_per_s": (messages + deletions) / span,
        "messages_per_s": messages / span,
        "broadcast_per_s": broadcast / span,
        "replies": len(replies),
        "reply_p50": p(replies, 0.5),
        "reply_p99": p(replies, 0.99),
        "group_warning_p99": p(group_replies, 0.99),
        "deletions": len(deletes),
        "deletion_p50": p(deletes, 0.5),
        "deletion_p99": p(deletes, 0.99),
    }


def show(name: str, f: dict[str, float]) -> None:
    print(
        f"{name}: {f['seconds']:.0f} s; budgeted calls {f['calls_per_s']:.2f}/s "
        f"= {f['calls_per_s'] / 30:.3f} of 30/s (messages and edits {f['messages_per_s']:.2f}/s, "
        f"broadcast {f['broadcast_per_s']:.2f}/s); replies {int(f['replies'])}: "
        f"p50 {f['reply_p50'] * 1000:.0f} ms, p99 {f['reply_p99'] * 1000:.0f} ms; "
        f"group warnings p99 {f['group_warning_p99'] * 1000:.0f} ms; deletions "
        f"{int(f['deletions'])}: p50 {f['deletion_p50'] * 1000:.0f} ms, "
        f"p99 {f['deletion_p99'] * 1000:.0f} ms"
    )


async def main(recipients_count: int, users_count: int, kill_after: float) -> None:
    if NGINX is None:
        sys.exit("nginx is not installed")
    db = await fresh_database("postgresql")
    recipients = chat_ids(recipients_count)
    await seed_subscribers(db.url, recipients)
    workdir = Path(tempfile.mkdtemp(prefix="esign-bench-budget-"))
    rng = random.Random(14)
    run = Run()
    async with BotHarness(mode="external", global_rate=30.0) as harness:
        api = harness.api
        add_accounts(api, recipients)
        instances = [Instance(f"bot{i}", {}, workdir / "bots") for i in range(3)]
        nginx = Nginx(workdir / "nginx", upstreams=[i.port for i in instances])
        env = instance_env(
            database_url=db.url,
            api_base=api.base_url,
            file_base=api.file_url,
            token=HARNESS_TOKEN,
            webhook_url=nginx.webhook_url,
            secret=SECRET,
        ) | {"FLOOD_LIMIT_PER_MINUTE": "0", "PASSWORD_CHECK_WORKERS": "0", "LOG_LEVEL": "WARNING"}
        nginx.start()
        try:
            await nginx.wait_ready()
            for instance in instances:
                instance.env = env
                instance.start()
            deadline = time.monotonic() + 90
            while not all([await i.healthy() for i in instances]):
                if time.monotonic() > deadline:
                    sys.exit("\n".join(i.log()[-2000:] for i in instances))
                await asyncio.sleep(0.3)
            for _ in range(100):  # a leader within 30 s
                if await leader_of(instances) is not None:
                    break
                await asyncio.sleep(0.3)

            private_count = users_count * 2 // 3
            privates = [harness.user(f"U{i}", language_code="ru") for i in range(private_count)]
            posters = [
                harness.user(f"G{i}", language_code="kk")
                for i in range(users_count - private_count)
            ]
            groups = [
                harness.group(f"Work chat {i}", bot_admin=True, members=[u])
                for i, u in enumerate(posters)
            ]
            stop = asyncio.Event()
            await create_campaign(db.url, {"all": WARNING}, None)
            started = time.monotonic()
            print(f"broadcast to {recipients_count} started; {users_count} people chatting")
            chatter = [
                asyncio.create_task(private_chatter(harness, u, run, stop, rng)) for u in privates
            ] + [
                asyncio.create_task(key_file_poster(harness, u, g, run, stop, rng))
                for u, g in zip(posters, groups, strict=True)
            ]
            await asyncio.sleep(kill_after)
            victim = await leader_of(instances)
            assert victim is not None
            killed_at = time.monotonic()
            victim.kill()
            print(f"killed the broadcast leader ({victim.name}) at {killed_at - started:.1f} s")
            recipient_set = set(recipients)

            def delivered() -> int:
                return sum(1 for e in api.events if e.kind == "sent" and e.chat_id in recipient_set)

            for _ in range(1200):  # ten minutes at most
                if delivered() >= recipients_count:
                    break
                await asyncio.sleep(0.5)
            finished_at = max(
                (e.at for e in api.events if e.kind == "sent" and e.chat_id in recipient_set),
                default=time.monotonic(),
            )
            stop.set()
            await asyncio.gather(*chatter)
            await asyncio.sleep(1.0)

            # Figures.
            first_broadcast = min(
                e.at for e in api.events if e.kind == "sent" and e.chat_id in recipient_set
            )
            before = window_figures(harness, run, first_broadcast, killed_at, recipient_set)
            after = window_figures(harness, run, killed_at + SETTLE, finished_at, recipient_set)
            per_chat: dict[int, int] = dict.fromkeys(recipients, 0)
            for event in api.events:
                if event.kind == "sent" and event.chat_id in per_chat:
                    per_chat[event.chat_id] += 1
            missing = sum(1 for n in per_chat.values() if n == 0)
            repeats = sum(n - 1 for n in per_chat.values() if n > 1)
            got = {u.id: sum(1 for m in harness.messages_to(u.id) if m.from_bot) for u in privates}
            twice = sum(max(0, got[u.id] - run.actions.get(u.id, 0)) for u in privates)
            short = sum(max(0, run.actions.get(u.id, 0) - got[u.id]) for u in privates)
            in_flight = {
                a.update_id for a in api.delivery.attempts if a.started <= killed_at <= a.finished
            }
            campaign = await summary(db.url, 1)
            print(f"429s from the fake Telegram: {api.rate_limited}")
            show("before the kill", before)
            show(f"from {SETTLE:.0f} s after the kill", after)
            print(
                f"broadcast: {recipients_count - missing}/{recipients_count} reached, "
                f"{missing} missing, {repeats} sent twice; campaign state {campaign.state}; "
                f"finished {finished_at - started:.1f} s after it started"
            )
            print(
                f"replies to private messages: {sum(run.actions.values())} due, "
                f"{twice} extra (sent twice), {short} missing; "
                f"{len(in_flight)} updates were in flight at the killed instance"
            )
            for instance in instances:
                if instance.alive and "Traceback" in instance.log():
                    print(f"{instance.name} logged a traceback:\n{instance.log()[-3000:]}")
        finally:
            for instance in instances:
                instance.stop()
            nginx.stop()
    await db.drop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=3000)
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--kill-after", type=float, default=45.0, help="seconds into the run")
    args = parser.parse_args()
    asyncio.run(main(args.recipients, args.users, args.kill_after))
