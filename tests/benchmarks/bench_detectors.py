"""CPU per message for every detector and parser a user's message reaches, on its worst input.

Run: .venv/bin/python tests/benchmarks/bench_detectors.py [--rounds N] [--before REV]

Each detector gets the inputs built to make it slow, at the largest size it can be given: a
text of Telegram's 4,096 characters, a file of the 64 KiB the bot downloads at most. The
figure is CPU milliseconds per message (process time, median of the rounds; the worst input
of each detector is printed). "Before" is the same measurement on the code of git revision
REV (default: the commit before issue 13's fixes), loaded from git in this same run, for the
two scans that were quadratic. Reports only; asserts nothing about time. Goal: ≤ 20 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import re
import statistics
import subprocess
import sys
import time
import tomllib
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_password_checker import hostile_set  # run as a script: sibling modules
from worst_inputs import MAX_FILE, TELEGRAM_MAX, WORST_FILES, WORST_TEXTS

from bot.core.credentials import CONTENT_FILE, detector
from bot.guidance.matcher import Matcher
from bot.guidance.scrub import scrub_question
from bot.i18n import CONTENT_DIR
from bot.passwords import check_password
from bot.signatures.certificates import CertificateError, load_certificate
from bot.signatures.containers import looks_like_key_container

ROOT = Path(__file__).resolve().parents[2]
BEFORE = "b81f21a"  # main before issue 13: the quadratic credential scan and PEM regex
# The PEM regex as it was: a lazy scan retried from every BEGIN line.
OLD_PEM = re.compile(
    rb"-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----.+?-----END (?:X509 |TRUSTED )?CERTIFICATE-----",
    re.DOTALL,
)


def cpu_ms(work: Callable[[Any], object], value: Any, rounds: int) -> float:
    took = []
    for _ in range(rounds):
        start = time.process_time()
        with contextlib.suppress(CertificateError):
            work(value)
        took.append((time.process_time() - start) * 1e3)
    return statistics.median(took)


def old_credentials(revision: str) -> Any | None:
    """The credential detector of `revision`, with today's vocabulary; None without git."""
    try:
        source = subprocess.run(
            ["git", "show", f"{revision}:bot/groups/credentials.py"],
            cwd=ROOT,
            capture_output=True,
            check=True,
            text=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    module = types.ModuleType("old_credentials")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(source, "old_credentials.py", "exec"), module.__dict__)
    config = tomllib.loads((CONTENT_DIR / CONTENT_FILE).read_text(encoding="utf-8"))
    return module.CredentialDetector(config)


def old_pem(data: bytes) -> object:
    return OLD_PEM.search(data) if b"-----BEGIN " in data else None


def report(
    name: str,
    work: Callable[[Any], object],
    inputs: dict[str, Any],
    rounds: int,
    before: Callable[[Any], object] | None = None,
) -> None:
    after = {label: cpu_ms(work, value, rounds) for label, value in inputs.items()}
    worst = max(after, key=lambda label: after[label])
    line = f"  {name:<38} {after[worst]:6.2f} ms  ({worst})"
    if before is not None:
        old = {label: cpu_ms(before, value, 1) for label, value in inputs.items()}
        old_worst = max(old, key=lambda label: old[label])
        line += f"   before: {old[old_worst]:8.1f} ms ({old_worst})"
    print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--before", default=BEFORE, help="git revision to compare with")
    args = parser.parse_args()
    found = detector()
    old = old_credentials(args.before)
    matcher = Matcher.from_content()
    passwords = hostile_set(random.Random(7))
    for value in WORST_TEXTS.values():  # warm the caches: steady state, as in a running bot
        found.shares_secret(value)
        found.holds_password(value)
        matcher.match(value)

    print(f"CPU per message on its worst input, median of {args.rounds} (goal ≤ 20 ms)")
    print(f"  texts: {TELEGRAM_MAX} characters; files: {MAX_FILE // 1024} KiB")
    report(
        "work-chat guard (shares_secret)",
        found.shares_secret,
        WORST_TEXTS,
        args.rounds,
        old.shares_secret if old is not None else None,
    )
    report("private-chat screen (holds_password)", found.holds_password, WORST_TEXTS, args.rounds)
    report("guidance: matcher + language", matcher.match, WORST_TEXTS, args.rounds)
    report("guidance: scrub for the store", scrub_question, WORST_TEXTS, args.rounds)
    report("certificate file", load_certificate, WORST_FILES, args.rounds, old_pem)
    report(
        "key-container sniffing",
        lambda data: looks_like_key_container("x.cer", data),
        WORST_FILES,
        args.rounds,
    )
    report("password check (worker process)", check_password, passwords, 1)


if __name__ == "__main__":
    main()
