"""Benchmark 2: engine headroom at the paid-broadcast rate (1000 messages/s).

The fake Bot API runs in this process with its global limit raised; the bot runs in a child
process (its own CPU, as in production), with BROADCAST_RATE=1000, so its sends carry
allow_paid_broadcast. One campaign to N subscribers; printed: the achieved rate (first to last
delivery as the API saw them; target >= 950/s), exactly-once delivery, and the bot's cost per
delivery: SQL statements, transactions, time spent in the database, CPU.

    .venv/bin/python tests/benchmarks/bench_broadcast_headroom.py [--recipients 50000]

PostgreSQL runs too when TEST_DATABASE_URL is set. About a minute and a half per database.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import resource
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench_broadcast_support import (
    Stopwatch,
    achieved_rate,
    add_accounts,
    chat_ids,
    create_campaign,
    fresh_database,
    kinds,
    per_chat,
    seed_subscribers,
    sent_times,
    summary,
)
from sqlalchemy import event

from bot.harness import FakeBotApi
from bot.harness.driver import HARNESS_TOKEN

RATE = 1000.0


@dataclass
class DbStats:
    statements: int = 0
    rows: int = 0  # an executemany counts once as a statement, once per row here
    commits: int = 0
    seconds: float = 0.0


def instrument(sync_engine: Any) -> DbStats:
    stats = DbStats()

    @event.listens_for(sync_engine, "before_cursor_execute")
    def _before(
        conn: Any, cursor: Any, statement: Any, params: Any, context: Any, many: Any
    ) -> None:
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    @event.listens_for(sync_engine, "after_cursor_execute")
    def _after(
        conn: Any, cursor: Any, statement: Any, params: Any, context: Any, many: Any
    ) -> None:
        stats.seconds += time.perf_counter() - conn.info["bench_started"].pop()
        stats.statements += 1
        stats.rows += len(params) if many else 1

    @event.listens_for(sync_engine, "commit")
    def _commit(conn: Any) -> None:
        stats.commits += 1

    return stats


# ---- the bot, in the child process -------------------------------------------------------------


async def child(db_url: str, api_url: str) -> None:
    from bot.app import build_application
    from bot.broadcasts import worker
    from bot.broadcasts.models import CampaignState
    from bot.config import load_settings

    settings = load_settings(
        database_url=db_url,
        bot_token=HARNESS_TOKEN,
        bot_api_base_url=f"{api_url}/bot",
        bot_api_file_url=f"{api_url}/file/bot",
        bot_data_dir=Path(tempfile.mkdtemp(prefix="esign-bench-")),
        pii_secret="bench-pii-secret-0123456789",
        broadcast_rate=RATE,
        log_level="WARNING",
    )
    application = build_application(settings)
    stats = instrument(application.deps.engine.sync_engine)
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0.0, timeout=5)
    loop = asyncio.get_running_loop()
    before, cpu_before = asdict(stats), resource.getrusage(resource.RUSAGE_SELF)
    print("READY", flush=True)
    campaign_id = int(await loop.run_in_executor(None, sys.stdin.readline))
    worker.wake(application.deps)
    while (await summary(db_url, campaign_id)).state != CampaignState.DONE:  # noqa: ASYNC110
        await asyncio.sleep(0.5)
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    after = asdict(stats)
    result = {k: after[k] - before[k] for k in after}
    result["cpu"] = (cpu_after.ru_utime + cpu_after.ru_stime) - (
        cpu_before.ru_utime + cpu_before.ru_stime
    )
    print(json.dumps(result), flush=True)
    await application.updater.stop()
    await application.stop()
    await application.shutdown()


# ---- the fake Telegram and the figures, in this process ----------------------------------------


async def one_run(kind: str, recipients: int) -> dict[str, Any]:
    clock = Stopwatch()
    db = await fresh_database(kind)
    chats = chat_ids(recipients)
    await seed_subscribers(db.url, chats)
    api = FakeBotApi(token=HARNESS_TOKEN, global_rate=100_000)
    await api.start()
    add_accounts(api, chats)
    # The fake Telegram keeps every message; its garbage collector pausing over hundreds of
    # thousands of them would be charged to the bot. It is the instrument, not the subject.
    gc.collect()
    gc.freeze()
    gc.disable()
    base = api.base_url.removesuffix("/bot")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--child",
        db.url,
        base,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    try:
        ready = await asyncio.wait_for(proc.stdout.readline(), 60)
        assert ready.strip() == b"READY", ready
        texts = {
            lang: f"<b>Warning</b> ({lang}): never tell anyone an SMS code"
            for lang in ("kk", "ru", "en")
        }
        campaign_id = await create_campaign(db.url, texts, None)
        proc.stdin.write(f"{campaign_id}\n".encode())
        await proc.stdin.drain()
        try:
            line = await asyncio.wait_for(proc.stdout.readline(), recipients / RATE * 5 + 60)
        except TimeoutError:
            stuck = await summary(db.url, campaign_id)
            raise SystemExit(f"the campaign did not finish: {stuck.state} {stuck.counts}") from None
        bot = json.loads(line)
        await asyncio.wait_for(proc.wait(), 30)
    finally:
        gc.enable()
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await api.stop()
    wanted = set(chats)
    times = sorted(sent_times(api, wanted))
    counts = per_chat(api, wanted)
    final = await summary(db.url, campaign_id)
    await db.drop()
    sent = final.count("sent")
    return {
        "db": kind,
        "achieved": achieved_rate(times),
        "sent": sent,
        "exactly_once": all(n == 1 for n in counts.values()),
        "429s": api.rate_limited,
        "statements": bot["statements"] / sent,
        "rows": bot["rows"] / sent,
        "commits": bot["commits"] / sent,
        "db_ms": bot["seconds"] * 1000 / sent,
        "cpu_us": bot["cpu"] * 1e6 / sent,
        "took": str(clock),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=50_000)
    args = parser.parse_args()
    total = Stopwatch()
    print(f"broadcast headroom: {args.recipients} recipients at {RATE:.0f}/s (paid broadcast)")
    print(
        f"{'db':<11}{'achieved':>10}{'sent':>8}{'once':>6}{'429s':>6}"
        f"{'stmts/msg':>11}{'rows/msg':>10}{'txns/msg':>10}{'db ms/msg':>11}{'cpu µs/msg':>12}"
        f"{'took':>9}"
    )
    for kind in kinds():
        r = await one_run(kind, args.recipients)
        print(
            f"{r['db']:<11}{r['achieved']:>10.1f}{r['sent']:>8}"
            f"{'yes' if r['exactly_once'] else 'NO':>6}{r['429s']:>6}{r['statements']:>11.3f}"
            f"{r['rows']:>10.3f}{r['commits']:>10.3f}{r['db_ms']:>11.3f}{r['cpu_us']:>12.0f}"
            f"{r['took']:>9}",
            flush=True,
        )
    print(f"total {total}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        asyncio.run(child(sys.argv[2], sys.argv[3]))
    else:
        asyncio.run(main())
