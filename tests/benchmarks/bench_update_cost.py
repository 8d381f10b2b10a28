"""CPU per answered question in the bot's process, against a bare python-telegram-bot echo bot.

Run: .venv/bin/python tests/benchmarks/bench_update_cost.py [--questions 300] [--rounds 2]
     [--transport polling|webhook|both] [--database sqlite|postgresql]

Each bot runs in a process of its own and gets its updates by webhook from the fake Bot API
(bot/harness), which runs in this process, as Telegram would post them:

- echo: a bare PTB Application (no rate limiter, no database, no handlers but one) that
  answers every text with the text itself, behind the smallest aiohttp webhook route;
- esign-bot: `esign-bot run`, every feature, on SQLite (the default) or, with
  `--database postgresql`, on a fresh PostgreSQL database under TEST_DATABASE_URL, with
  Telegram's limits lifted so the send budget never waits (it still runs).

The same people (100, Russian app language) ask the same held-out questions of
tests/guidance/eval_set.toml one at a time, after a warm-up in which each has written once
(the bot knows them, as it knows almost everyone it answers). Printed per bot: the process's
CPU time (user + system, from /proc, threads included: aiosqlite works in one) per update, and
for the esign-bot the SQL statements and commits per update, counted by an SQLAlchemy event
listener in its process. `--rounds N` alternates echo and bot N times (the machine may be
shared: CPU time is steadier than wall time, but alternating keeps both under the same load);
the ratio uses the medians. Target: the bot costs at most twice the echo.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
EVAL_SET = REPO / "tests" / "guidance" / "eval_set.toml"
USERS = 100
WEBHOOK_PATH = "/telegram/webhook"
SECRET = "bench-webhook-secret"
TICKS = os.sysconf("SC_CLK_TCK")
PG_ENV = "TEST_DATABASE_URL"


# ---- inside the bot processes --------------------------------------------------------------


def _count_statements(report: Path) -> None:
    """Count every statement and commit of every engine; SIGUSR1 writes the counts out.

    With BENCH_PROFILE=DIR the measured stretch (between the first two SIGUSR1) is also
    profiled (cProfile, the event loop's thread) and its statements listed, into DIR.
    """
    import cProfile

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    counts = {"statements": 0, "commits": 0}
    profile_dir = os.environ.get("BENCH_PROFILE")
    profiler = cProfile.Profile() if profile_dir else None
    statements: list[str] = []
    signals = 0

    def statement(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        counts["statements"] += 1
        if signals == 1:
            statements.append(" ".join(sql.split())[:160])

    def commit(*_: Any) -> None:
        counts["commits"] += 1
        if signals == 1:
            statements.append("(commit)")

    def on_signal(*_: Any) -> None:
        nonlocal signals
        signals += 1
        if profiler is not None and profile_dir and signals == 1:
            profiler.enable()
        elif profiler is not None and profile_dir and signals == 2:
            profiler.disable()
            profiler.dump_stats(Path(profile_dir) / f"{report.stem}.prof")
            (Path(profile_dir) / f"{report.stem}.sql").write_text("\n".join(statements))
        report.write_text(json.dumps(counts))

    event.listen(Engine, "before_cursor_execute", statement)
    event.listen(Engine, "commit", commit)
    signal.signal(signal.SIGUSR1, on_signal)


def _serve_bot(report: Path) -> None:
    _count_statements(report)
    # A benchmark only: the send budget still runs, it just never has to wait.
    os.environ["SEND_RATE"] = "1000"
    import bot.ops.sendqueue as queue

    queue.GROUP_RATE = queue.GROUP_BURST = queue.CHAT_RATE = queue.CHAT_BURST = 100_000
    from bot.cli import main

    sys.exit(main(["run"]))


def _serve_echo(report: Path) -> None:
    _count_statements(report)
    from aiohttp import web
    from telegram import Update
    from telegram.ext import Application, ContextTypes, MessageHandler, filters

    async def echo(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_message and update.effective_message.text:
            await update.effective_message.reply_text(update.effective_message.text)

    async def serve() -> None:
        app = (
            Application.builder()
            .token(os.environ["BOT_TOKEN"])
            .base_url(os.environ["BOT_API_BASE_URL"])
            .updater(None)
            .build()
        )
        app.add_handler(MessageHandler(filters.TEXT, echo))

        async def on_update(request: web.Request) -> web.Response:
            await app.process_update(Update.de_json(await request.json(), app.bot))
            return web.Response()

        web_app = web.Application()
        web_app.router.add_post(WEBHOOK_PATH, on_update)
        runner = web.AppRunner(web_app, access_log=None)
        await runner.setup()
        port = int(os.environ["WEBHOOK_PORT"])
        await web.TCPSite(runner, "127.0.0.1", port).start()
        async with app:
            await app.start()
            await app.bot.set_webhook(os.environ["WEBHOOK_URL"], secret_token=SECRET)
            stop = asyncio.Event()
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
            await stop.wait()
            await app.stop()
        await runner.cleanup()

    if os.environ.get("WEBHOOK_URL"):
        asyncio.run(serve())
        return
    # Polling: PTB's own echo bot, as its examples write it.
    app = (
        Application.builder()
        .token(os.environ["BOT_TOKEN"])
        .base_url(os.environ["BOT_API_BASE_URL"])
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_polling(drop_pending_updates=False)


# ---- the driver ----------------------------------------------------------------------------


@dataclass
class Cost:
    cpu_ms: float
    statements: float
    commits: float
    wall_ms: float


def _questions(count: int) -> list[str]:
    data = tomllib.loads(EVAL_SET.read_text(encoding="utf-8"))
    pool: list[str] = []
    for section in data.values():
        for questions in section.values() if isinstance(section, dict) else [section]:
            pool.extend(q for q in questions if isinstance(q, str))
    return [pool[(i * 7) % len(pool)] for i in range(count)]


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _read_report(report: Path) -> dict[str, int] | None:
    text = report.read_text() if report.exists() else ""
    return dict(json.loads(text)) if text else None


async def _counts(process: subprocess.Popen[bytes], report: Path) -> dict[str, int]:
    report.unlink(missing_ok=True)  # noqa: ASYNC240 (a tiny file, outside the measurement)
    process.send_signal(signal.SIGUSR1)
    for _ in range(200):
        counts = _read_report(report)
        if counts is not None:
            return counts
        await asyncio.sleep(0.01)
    raise SystemExit("the bot process did not report its statement counts")


async def _ask(h: Any, user: Any, text: str) -> None:
    """Post a question and wait for the reply (in either transport: no webhook answer to wait
    for when the bot polls). Every question here gets exactly one message back."""
    api = h.api
    before = len(h.messages_to(user.id))
    record = api.new_message(user.chat.id, sender_id=user.id, from_bot=False)
    record.text = text
    api.push_update({"message": api.message_to_api(record)})
    deadline = time.monotonic() + 10
    while len(h.messages_to(user.id)) == before:
        if time.monotonic() > deadline:
            raise SystemExit(f"no reply to {text!r}")
        await asyncio.sleep(0.0005)


async def measure(
    kind: str, transport: str, questions: list[str], workdir: Path, database_url: str
) -> Cost:
    from bot.harness import BotHarness
    from bot.harness.driver import HARNESS_TOKEN

    port = _free_port()
    report = workdir / f"{kind}-{transport}.counts.json"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(REPO),
        "BOT_TOKEN": HARNESS_TOKEN,
        "DATABASE_URL": database_url,
        "PII_SECRET": "bench-pii-secret-0123456789",
        "WEBAPP_PORT": str(_free_port()),
        "LOG_LEVEL": "WARNING",
    }
    if os.environ.get("BENCH_PROFILE"):
        env["BENCH_PROFILE"] = os.environ["BENCH_PROFILE"]
    if transport == "webhook":
        env |= {
            "WEBHOOK_URL": f"http://127.0.0.1:{port}{WEBHOOK_PATH}",
            "WEBHOOK_SECRET": SECRET,
            "WEBHOOK_PORT": str(port),
        }
    async with BotHarness(mode="external", global_rate=100_000.0, group_rate=100_000.0) as h:
        env["BOT_API_BASE_URL"] = h.api.base_url
        env["BOT_API_FILE_URL"] = h.api.file_url
        log_path = workdir / f"{kind}-{transport}.log"
        log = log_path.open("wb")
        process = subprocess.Popen(  # noqa: ASYNC220 (started before the measurement)
            [sys.executable, __file__, "--serve", kind, str(report)],
            env=env,
            cwd=workdir,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            users = [h.user(f"U{i}", language_code="ru") for i in range(USERS)]
            deadline = time.monotonic() + 60
            while transport == "webhook" and h.api.delivery.webhook is None:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"{kind} did not start: {log_path.read_text()}")
                await asyncio.sleep(0.05)
            for index, user in enumerate(users):  # warm-up: everyone has written once
                await _ask(h, user, questions[index % len(questions)])
            await asyncio.sleep(0.5)
            before, counts_before = _cpu_seconds(process.pid), await _counts(process, report)
            started = time.perf_counter()
            for index, question in enumerate(questions):
                await _ask(h, users[index % USERS], question)
            wall = time.perf_counter() - started
            await asyncio.sleep(0.5)  # what follows the reply (a commit, the webhook's 200)
            after, counts_after = _cpu_seconds(process.pid), await _counts(process, report)
        finally:
            process.terminate()
            process.wait(60)
            log.close()
    n = len(questions)
    return Cost(
        cpu_ms=(after - before) * 1000 / n,
        statements=(counts_after["statements"] - counts_before["statements"]) / n,
        commits=(counts_after["commits"] - counts_before["commits"]) / n,
        wall_ms=wall * 1000 / n,
    )


async def measure_bot(transport: str, questions: list[str], workdir: Path, database: str) -> Cost:
    if database == "sqlite":
        url = f"sqlite+aiosqlite:///{workdir / f'bot-{transport}.sqlite3'}"
        return await measure("bot", transport, questions, workdir, url)
    # Here, not at the top: the echo bot's process runs this file too, and imports nothing more.
    from bench_broadcast_support import fresh_database

    db = await fresh_database(database)
    try:
        return await measure("bot", transport, questions, workdir, db.url)
    finally:
        await db.drop()


async def main(count: int, rounds: int, transports: list[str], database: str) -> None:
    questions = _questions(count)
    print(
        f"cost per update: {count} questions from {USERS} users, one at a time, {rounds} round(s),"
        f" the bot on {database}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for transport in transports:
            echo: list[Cost] = []
            bot: list[Cost] = []
            for round_ in range(rounds):
                workdir = Path(tmp) / f"{transport}-{round_}"
                workdir.mkdir()
                echo.append(await measure("echo", transport, questions, workdir, "sqlite://"))
                bot.append(await measure_bot(transport, questions, workdir, database))
            print(f"{transport}:")
            print(f"  {'':<10}{'CPU ms':>9}{'SQL stmts':>11}{'commits':>9}{'wall ms':>9}")
            for name, costs in (("echo", echo), ("esign-bot", bot)):
                for cost in costs:
                    print(
                        f"  {name:<10}{cost.cpu_ms:>9.2f}{cost.statements:>11.2f}"
                        f"{cost.commits:>9.2f}{cost.wall_ms:>9.2f}"
                    )
            base = statistics.median(c.cpu_ms for c in echo)
            ours = statistics.median(c.cpu_ms for c in bot)
            print(f"  median CPU ms/update: echo {base:.2f}, esign-bot {ours:.2f}")
            print(f"  ratio esign-bot / echo ({transport}): {ours / base:.2f} (target <= 2.0)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--transport", choices=("polling", "webhook", "both"), default="both")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--serve", nargs=2, metavar=("KIND", "REPORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        kind, path = args.serve
        (_serve_echo if kind == "echo" else _serve_bot)(Path(path))
    else:
        transports = ["polling", "webhook"] if args.transport == "both" else [args.transport]
        if args.database == "postgresql" and not os.environ.get(PG_ENV):
            parser.error(f"--database postgresql needs {PG_ENV} (a server to create it on)")
        asyncio.run(main(args.questions, args.rounds, transports, args.database))
