"""Load: 1,000 simulated users, a mixed workload, 60 seconds, on SQLite and PostgreSQL.

The bot runs as in production: `esign-bot run` in webhook mode, in a process of its own. The
fake Bot API and the 1,000 users run in this process (the machine's other core); the fake
delivers each update to the bot's webhook and counts it handled when the bot answers 200,
i.e. after its replies were sent. Each user acts, waits for the bot, thinks (`--think`, 10-20 s
by default; 3-9 s is a rush that saturates the bot's core) and acts again:

    questions (guidance)   30 %    a free-text question in kk, ru or en
    button presses         20 %    the main menu's Help button
    /help, /menu, /start   20 %
    password check         10 %    /password, then the password (two updates)
    certificate file        5 %    a .cer to inspect
    /status                 5 %
    edited message          5 %
    sticker                 5 %

Printed: updates per second and p50/p99 latency (push to 200) per kind. Telegram's own limit
(about 30 messages a second per bot, which every reply counts against) is lifted on both sides,
so the figures are the bot's capacity on one core of this machine; in production that limit,
not the bot, caps replies at about 30 a second.

    .venv/bin/python tests/benchmarks/bench_load.py [--users 1000] [--seconds 60] [--think 3 9]

`--seconds 30` is enough for a comparison (half of the updates are then the first /start).

PostgreSQL runs too when TEST_DATABASE_URL is set. About 2.5 minutes per database.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.db.urls import normalize_database_url
from bot.harness import BotHarness, Exchange, FakeUser
from bot.harness.driver import HARNESS_TOKEN

UNLIMITED = 100_000.0
REPO = Path(__file__).resolve().parents[2]
QUESTIONS = (
    "Можно ли передать ЭЦП бухгалтеру?",
    "Я потерял флешку с ключом, что делать?",
    "Сотрудник уволился, а его подпись осталась у нас",
    "ЭЦҚ-ны басқа адамға беруге бола ма?",
    "Кілтімді жоғалтып алдым",
    "Can I give my e-signature to my accountant?",
    "What happens if someone signs with my key?",
    "How do I get a signature remotely?",
)
PASSWORDS = ("Qwerty123", "Astana2024!", "zhF8#kq2!Lm9", "password", "Aigerim1990")


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failures: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    async def time(self, kind: str, action: Awaitable[Exchange]) -> None:
        started = time.perf_counter()
        try:
            await action
        except AssertionError:  # not handled within the harness's 10 s
            self.failures[kind] += 1
            return
        self.latencies[kind].append(time.perf_counter() - started)


def certificate() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "BENCH TEST")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.DER)


def workload(
    cert: bytes,
) -> list[tuple[int, str, Callable[[FakeUser, Stats, random.Random], Awaitable[None]]]]:
    async def question(u: FakeUser, s: Stats, r: random.Random) -> None:
        await s.time("question", u.send(r.choice(QUESTIONS)))

    async def press(u: FakeUser, s: Stats, r: random.Random) -> None:
        menu = u.harness.messages_to(u.id)
        if menu:
            await s.time("button", u.press(data="core:help", message=menu[-1]))

    async def command(u: FakeUser, s: Stats, r: random.Random) -> None:
        await s.time("command", u.send(r.choice(("/help", "/menu", "/start"))))

    async def password(u: FakeUser, s: Stats, r: random.Random) -> None:
        await s.time("command", u.send("/password"))
        await s.time("password", u.send(r.choice(PASSWORDS)))

    async def document(u: FakeUser, s: Stats, r: random.Random) -> None:
        await s.time("certificate", u.send_document("certificate.cer", cert))

    async def status(u: FakeUser, s: Stats, r: random.Random) -> None:
        await s.time("command", u.send("/status"))

    async def edit(u: FakeUser, s: Stats, r: random.Random) -> None:
        own = [m for m in u.harness.api.messages.values() if m.sender_id == u.id]
        if own:
            await s.time("edited", u.edit(own[-1], r.choice(QUESTIONS)))

    async def sticker(u: FakeUser, s: Stats, r: random.Random) -> None:
        raw = {
            "sticker": {
                "file_id": "S",
                "file_unique_id": "SU",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            }
        }
        await s.time("sticker", u.send_raw(raw))

    return [
        (30, "question", question),
        (20, "button", press),
        (20, "command", command),
        (10, "password", password),
        (5, "certificate", document),
        (5, "status", status),
        (5, "edited", edit),
        (5, "sticker", sticker),
    ]


async def fresh_database(kind: str) -> tuple[str, Callable[[], Awaitable[None]]]:
    if kind == "sqlite":
        path = Path(tempfile.mkdtemp(prefix="esign-load-")) / "bot.sqlite3"

        async def nothing() -> None:
            return None

        return f"sqlite+aiosqlite:///{path}", nothing
    admin_url = normalize_database_url(os.environ["TEST_DATABASE_URL"])
    name = f"esign_load_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()

    async def drop() -> None:
        dropper = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
        async with dropper.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await dropper.dispose()

    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), drop


# The bot's process: `esign-bot run`, with Telegram's 30 messages/s lifted (a benchmark only).
BOT_PROCESS = os.environ.get("BENCH_BOT_PROCESS") or (
    "import os; os.environ['SEND_RATE'] = '1000'; "
    "import bot.ops.sendqueue as q; q.GROUP_RATE = q.GROUP_BURST = 100000; "
    "import sys; from bot.cli import main; sys.exit(main(['run']))"
)
WEBHOOK_SECRET = "bench-webhook-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def start_bot(harness: BotHarness, url: str, workdir: Path) -> subprocess.Popen[bytes]:
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(REPO),
        "BOT_TOKEN": HARNESS_TOKEN,
        "BOT_API_BASE_URL": harness.api.base_url,
        "BOT_API_FILE_URL": harness.api.file_url,
        "DATABASE_URL": url,
        "PII_SECRET": "bench-pii-secret-0123456789",
        "WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/webhook",
        "WEBHOOK_SECRET": WEBHOOK_SECRET,
        "WEBHOOK_PORT": str(port),
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(  # noqa: ASYNC220 (started once, before the measurement)
        [sys.executable, "-c", BOT_PROCESS],
        env=env,
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=(workdir / "bot.log").open("wb"),
    )
    deadline = time.monotonic() + 60
    while harness.api.delivery.webhook is None:
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the bot did not start: {(workdir / 'bot.log').read_text()}")
        await asyncio.sleep(0.1)
    return process


async def run(
    kind: str, users: int, seconds: float, think: tuple[float, float]
) -> tuple[Stats, float]:
    url, drop = await fresh_database(kind)
    workdir = Path(tempfile.mkdtemp(prefix="esign-load-"))
    stats = Stats()
    mix = workload(certificate())
    weights = [w for w, _, _ in mix]
    try:
        async with BotHarness(mode="external", global_rate=UNLIMITED, group_rate=UNLIMITED) as h:
            process = await start_bot(h, url, workdir)
            try:
                people = [
                    h.user(f"U{i}", language_code=("kk", "ru", "en")[i % 3]) for i in range(users)
                ]
                started = time.perf_counter()
                deadline = started + seconds

                async def person(index: int, user: FakeUser) -> None:
                    rng = random.Random(index)
                    # Arrivals spread over one think time, as in a steady stream of people.
                    await asyncio.sleep(rng.uniform(0, think[1]))
                    await stats.time("start", user.send("/start"))
                    while True:
                        pause = rng.uniform(*think)
                        if time.perf_counter() + pause >= deadline:
                            break
                        await asyncio.sleep(pause)
                        _, _, act = rng.choices(mix, weights)[0]
                        await act(user, stats, rng)

                await asyncio.gather(*(person(i, u) for i, u in enumerate(people)))
                # Nobody starts an action after the deadline; the last ones end just after.
                elapsed = max(seconds, time.perf_counter() - started)
            finally:
                process.terminate()
                process.wait(60)
    finally:
        await drop()
    return stats, elapsed


def report(kind: str, stats: Stats, elapsed: float) -> None:
    total = sum(len(v) for v in stats.latencies.values())
    failed = sum(stats.failures.values())
    print(
        f"\n{kind}: {total} updates in {elapsed:.0f} s = {total / elapsed:.0f} updates/s"
        f" ({failed} not handled within 10 s)"
    )
    print(f"  {'kind':<12}{'count':>8}{'per s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    everything = [value for values in stats.latencies.values() for value in values]
    rows = [*sorted(stats.latencies.items(), key=lambda kv: -len(kv[1])), ("all", everything)]
    for name, values in rows:
        q = statistics.quantiles(values, n=100) if len(values) > 1 else values * 99
        print(
            f"  {name:<12}{len(values):>8}{len(values) / elapsed:>8.1f}"
            f"{q[49] * 1000:>9.0f}{q[94] * 1000:>9.0f}{q[98] * 1000:>9.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(10.0, 20.0),
        metavar=("MIN", "MAX"),
        help="seconds a user waits between actions (default 10 20; 3 9 is a rush)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    kinds = ["sqlite", "postgresql"] if os.environ.get("TEST_DATABASE_URL") else ["sqlite"]
    for kind in kinds:
        stats, elapsed = asyncio.run(run(kind, args.users, args.seconds, tuple(args.think)))
        report(
            f"{kind}, {args.users} users thinking {args.think[0]:g}-{args.think[1]:g} s",
            stats,
            elapsed,
        )


if __name__ == "__main__":
    main()
