"""Password checker throughput and latency, against stock zxcvbn on the same inputs.

Run: .venv/bin/python tests/benchmarks/bench_password_checker.py [--rounds N]

Prints checks per second on a mixed set of realistic passwords, and p50/p99/worst latency over
hostile inputs up to Telegram's 4096 characters. The baseline is stock zxcvbn in this same
process on the same inputs cut to the 72 characters it accepts (our checker leaves zxcvbn's
module state alone, so the baseline stays stock). Reports only; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import random
import statistics
import string
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

from zxcvbn import zxcvbn

from bot.passwords import MAX_ANALYSED_LENGTH, check_password, resources

LABELLED = Path(__file__).resolve().parents[1] / "passwords" / "labelled_passwords.toml"
TELEGRAM_MAX = 4096


def mixed_set(rng: random.Random) -> list[str]:
    """Realistic traffic: the labelled set plus generated passwords of the usual shapes."""
    labelled = [c["password"] for c in tomllib.loads(LABELLED.read_text("utf-8"))["case"]]
    words = sorted(resources().lexicon.ranked)
    alphabet = string.ascii_letters + string.digits + "!@#$%&*?"
    generated = []
    for _ in range(400):
        generated += [
            rng.choice(words).capitalize() + str(rng.randrange(1950, 2030)) + rng.choice("!.@"),
            "".join(rng.choice(alphabet) for _ in range(rng.randrange(8, 21))),
            " ".join(rng.sample(words, 4)),
            f"{rng.randrange(1, 29):02}.{rng.randrange(1, 13):02}.{rng.randrange(1950, 2010)}",
        ]
    return labelled + generated


def hostile_set(rng: random.Random) -> dict[str, str]:
    """Inputs built to make the search slow, each as long as Telegram allows."""
    l33t = "4@8({[<36!|1|70$5+7%2"
    return {
        "empty": "",
        "random unicode": "".join(chr(rng.randrange(0x20, 0x2FFFF)) for _ in range(TELEGRAM_MAX)),
        "random ascii": "".join(rng.choice(string.printable) for _ in range(TELEGRAM_MAX)),
        "one character repeated": "a" * TELEGRAM_MAX,
        "one digit repeated": "1" * TELEGRAM_MAX,
        "emoji repeated": "🔑" * TELEGRAM_MAX,
        "qwerty walk": ("qwertyuiop" * 410)[:TELEGRAM_MAX],
        "йцукен walk": ("йцукенгшщзхъ" * 342)[:TELEGRAM_MAX],
        "column walk": ("1qaz2wsx3edc4rfv" * 256)[:TELEGRAM_MAX],
        "l33t characters": (l33t * 196)[:TELEGRAM_MAX],
        "l33t with letters": ("a4@b8c({[<e3g69i1!|l17o0s$5t+7x%z2" * 121)[:TELEGRAM_MAX],
        "l33t repeated half": ((l33t * 2)[:36] * 114)[:TELEGRAM_MAX],
        "digits and symbols": ("1!" * 2048),
        "years and symbols": ("2024!!!" * 586)[:TELEGRAM_MAX],
        "dates": ("19901231" * 512),
        "dated separators": ("12.05.1990-" * 373)[:TELEGRAM_MAX],
        "words": ("парольпривет" * 342)[:TELEGRAM_MAX],
        "abab": "ab" * 2048,
        "nested repeats": ("aab" * 3 + "c") * 409,
    }


def timed(check: Callable[[str], object], password: str) -> float:
    start = time.perf_counter()
    check(password)
    return time.perf_counter() - start


def ours(password: str) -> object:
    return check_password(password)


def stock(password: str) -> object:
    # zxcvbn refuses longer input and fails on empty input.
    return zxcvbn(password[:MAX_ANALYSED_LENGTH]) if password else None


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


CHECKS = (("ours", ours), ("stock", stock))


def measure(passwords: list[str], rounds: int) -> dict[str, list[float]]:
    """Seconds per check for each implementation; interleaved, so that load from other
    processes falls on both alike."""
    latencies: dict[str, list[float]] = {name: [] for name, _ in CHECKS}
    for _ in range(rounds):
        for password in passwords:
            for name, check in CHECKS:
                latencies[name].append(timed(check, password))
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="repetitions of the hostile set")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    start = time.perf_counter()
    resources()
    loaded = (time.perf_counter() - start) * 1e3
    print(
        f"start-up: {len(resources().lexicon.ranked)} extra dictionary entries in {loaded:.0f} ms"
    )

    mixed = mixed_set(rng)
    measure(mixed[:50], 1)  # warm-up
    latencies = measure(mixed, 1)
    print(f"\nmixed set: {len(mixed)} passwords")
    print(f"  {'':5}  {'checks/s':>8} {'p50':>8} {'p99':>8} {'worst':>8}")
    for name, values in latencies.items():
        print(f"  {name:5}  {len(values) / sum(values):8.0f} {_spread(values)}")
    ratio = sum(latencies["stock"]) / sum(latencies["ours"])
    print(f"  ours at {ratio:.2f}× stock throughput")

    hostile = hostile_set(rng)
    print(
        f"\nhostile set: {len(hostile)} inputs of up to {TELEGRAM_MAX} chars, {args.rounds} rounds"
    )
    latencies = measure(list(hostile.values()), args.rounds)
    print(f"  {'':5}  {'':8} {'p50':>8} {'p99':>8} {'worst':>8}  worst input")
    labels = list(hostile) * args.rounds
    for name, values in latencies.items():
        slowest = labels[values.index(max(values))]
        print(f"  {name:5}  {'':8} {_spread(values)}  {slowest}")
    ratio = max(latencies["ours"]) / max(latencies["stock"])
    print(f"  ours' worst case at {ratio:.2f}× stock's")


def _spread(values: list[float]) -> str:
    p50, p99 = statistics.median(values), percentile(values, 0.99)
    return f"{p50 * 1e3:6.2f}ms {p99 * 1e3:6.2f}ms {max(values) * 1e3:6.1f}ms"


if __name__ == "__main__":
    main()
