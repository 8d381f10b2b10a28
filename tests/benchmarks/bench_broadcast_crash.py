"""Benchmark 3: kill -9 the bot three times during a campaign; nothing lost, duplicates bounded.

The fake Bot API runs in this process; the bot is the real command (`python -m bot run`) in a
child process, polling it over loopback. The campaign is created with
`esign-bot broadcast create --yes`. While it sends, the bot is killed with SIGKILL three times
(at about 20 %, 45 % and 70 % of the recipients) and started again each time. At the end every
recipient must have the warning, and the messages sent twice must not exceed the stated bound:
the deliveries in flight at each crash, at most `in_flight_limit(rate)` per crash.

    .venv/bin/python tests/benchmarks/bench_broadcast_crash.py [--recipients 5000] [--rate 25]

PostgreSQL runs too when TEST_DATABASE_URL is set. At 25/s: about 3.5 minutes per database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sys
import tempfile
import time
from pathlib import Path

from bench_broadcast_support import (
    Stopwatch,
    add_accounts,
    chat_ids,
    fresh_database,
    kinds,
    per_chat,
    seed_subscribers,
    summary,
)

from bot.broadcasts.engine import in_flight_limit
from bot.broadcasts.models import CampaignState
from bot.harness import FakeBotApi
from bot.harness.driver import HARNESS_TOKEN

KILL_AT = (0.20, 0.45, 0.70)
TELEGRAM_LIMIT = 30.0


def bot_env(api: FakeBotApi, db_url: str, rate: float, data_dir: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "BOT_TOKEN": HARNESS_TOKEN,
        "BOT_API_BASE_URL": api.base_url,
        "BOT_API_FILE_URL": api.file_url,
        "DATABASE_URL": db_url,
        "BOT_DATA_DIR": str(data_dir),
        "PII_SECRET": "bench-pii-secret-0123456789",
        "BROADCAST_RATE": str(rate),
        "LOG_LEVEL": "WARNING",
    }


async def start_bot(env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=cwd, stdout=asyncio.subprocess.DEVNULL
    )


async def cli_create(env: dict[str, str], cwd: Path, text_file: Path) -> int:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "broadcast",
        "create",
        "--text",
        str(text_file),
        "--yes",
        "--json",
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await proc.communicate()
    assert proc.returncode == 0, out
    return int(json.loads(out)["id"])


async def one_run(kind: str, recipients: int, rate: float, seed: int) -> dict[str, object]:
    clock = Stopwatch()
    rng = random.Random(seed)
    db = await fresh_database(kind)
    chats = chat_ids(recipients)
    wanted = set(chats)
    await seed_subscribers(db.url, chats)
    api = FakeBotApi(token=HARNESS_TOKEN, global_rate=max(TELEGRAM_LIMIT, rate * 2))
    await api.start()
    add_accounts(api, chats)
    workdir = Path(tempfile.mkdtemp(prefix="esign-crash-"))
    env = bot_env(api, db.url, rate, workdir)
    text_file = workdir / "warning.html"
    text_file.write_text("<b>Warning</b>: the ministry never asks for SMS codes", "utf-8")

    def delivered() -> int:
        return sum(1 for e in api.events if e.kind == "sent" and e.chat_id in wanted)

    kills: list[dict[str, int]] = []
    bot = await start_bot(env, workdir)
    try:
        deadline = time.monotonic() + 60
        while "getUpdates" not in api.requests:
            assert time.monotonic() < deadline, "the bot did not start"
            await asyncio.sleep(0.1)
        campaign_id = await cli_create(env, workdir, text_file)
        for fraction in KILL_AT:
            target = int(recipients * (fraction + rng.uniform(-0.03, 0.03)))
            while delivered() < target:
                assert bot.returncode is None, "the bot exited by itself"
                await asyncio.sleep(rng.uniform(0.005, 0.05))
            bot.send_signal(signal.SIGKILL)
            await bot.wait()
            at_kill = await summary(db.url, campaign_id)
            kills.append({"delivered": delivered(), "claimed": at_kill.count("sending")})
            bot = await start_bot(env, workdir)
        deadline = time.monotonic() + recipients / rate * 3 + 120
        while (await summary(db.url, campaign_id)).state != CampaignState.DONE:
            assert time.monotonic() < deadline, "the campaign did not finish"
            assert bot.returncode is None, "the bot exited by itself"
            await asyncio.sleep(0.5)
        await asyncio.sleep(1.0)  # anything still on its way
        final = await summary(db.url, campaign_id)
    finally:
        if bot.returncode is None:
            bot.terminate()
            try:
                await asyncio.wait_for(bot.wait(), 15)
            except TimeoutError:
                bot.kill()
                await bot.wait()
        await api.stop()
        await db.drop()
    counts = per_chat(api, wanted)
    lost = sum(1 for n in counts.values() if n == 0)
    duplicates = sum(n - 1 for n in counts.values() if n > 1)
    bound = len(KILL_AT) * in_flight_limit(rate)
    return {
        "db": kind,
        "recipients": recipients,
        "sent_in_db": final.count("sent"),
        "lost": lost,
        "duplicates": duplicates,
        "bound": bound,
        "kills": kills,
        "429s": api.rate_limited,
        "ok": lost == 0 and duplicates <= bound and final.count("sent") == recipients,
        "took": str(clock),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=25.0, help="BROADCAST_RATE of the bot")
    parser.add_argument("--seed", type=int, default=7, help="for the kill moments")
    args = parser.parse_args()
    total = Stopwatch()
    print(
        f"broadcast crash: {args.recipients} recipients at {args.rate:.0f}/s, SIGKILL at about "
        f"{', '.join(f'{k:.0%}' for k in KILL_AT)}; bound = {len(KILL_AT)} crashes x "
        f"{in_flight_limit(args.rate)} in flight"
    )
    failed = False
    for kind in kinds():
        r = await one_run(kind, args.recipients, args.rate, args.seed)
        kills = "; ".join(
            f"killed at {k['delivered']} delivered, {k['claimed']} claimed"
            for k in r["kills"]  # type: ignore[attr-defined]
        )
        print(
            f"{r['db']}: {r['recipients']} recipients, sent {r['sent_in_db']} (database), "
            f"lost {r['lost']}, sent twice {r['duplicates']} (bound {r['bound']}), "
            f"429s {r['429s']}; {'OK' if r['ok'] else 'FAILED'}; took {r['took']}\n  {kills}",
            flush=True,
        )
        failed = failed or not r["ok"]
    print(f"total {total}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    asyncio.run(main())
