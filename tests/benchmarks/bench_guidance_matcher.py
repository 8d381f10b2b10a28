"""Guidance matcher: accuracy on the eval set, confusions, throughput and latency.

Run: .venv/bin/python tests/benchmarks/bench_guidance_matcher.py [--rounds N] [--fresh N] [--loo]

Latency is per question with every topic loaded. The baseline is measured in the same run on the
same questions: Unicode-normalising and lower-casing the text, the least any matcher must do, so
the ratio says what matching costs on this machine rather than in absolute terms. `--loo` adds
leave-one-out accuracy over the topic examples (each example matched by a matcher built without
it), an estimate that no tuning on the eval set can flatter.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.guidance import (
    DEFAULT_CONTENT_DIR,
    LANGS,
    Matcher,
    Topic,
    TopicText,
    load_lexicon,
    load_topics,
)
from bot.guidance.text import Folder

EVAL_SET = Path(__file__).resolve().parents[1] / "guidance" / "eval_set.toml"


def _load_eval() -> dict[str, Any]:
    with EVAL_SET.open("rb") as handle:
        return tomllib.load(handle)


def _labelled(eval_set: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    return [(topic, q) for topic, questions in eval_set[lang].items() for q in questions]


def _timed(func: Callable[[str], object], questions: Iterable[str]) -> list[int]:
    """Nanoseconds per call, one sample per question."""
    samples = []
    clock = time.perf_counter_ns
    for question in questions:
        start = clock()
        func(question)
        samples.append(clock() - start)
    return samples


def _percentile(samples: list[int], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] / 1000


def _report_latency(name: str, samples: list[int]) -> float:
    total = sum(samples) / 1e9
    mean_us = statistics.fmean(samples) / 1000
    print(
        f"  {name:<28} {len(samples) / total:>10,.0f} q/s   mean {mean_us:8.1f} µs   "
        f"p50 {_percentile(samples, 0.50):8.1f} µs   p99 {_percentile(samples, 0.99):8.1f} µs   "
        f"max {max(samples) / 1000:8.1f} µs"
    )
    return mean_us


def accuracy(matcher: Matcher, eval_set: dict[str, Any]) -> None:
    print("Accuracy on tests/guidance/eval_set.toml (top-1)")
    confusions: Counter[tuple[str, str]] = Counter()
    total = correct = 0
    for lang in LANGS:
        cases = _labelled(eval_set, lang)
        hits = 0
        for expected, question in cases:
            got = matcher.match(question).topic
            if got == expected:
                hits += 1
            else:
                confusions[(expected, got or "(none)")] += 1
        total += len(cases)
        correct += hits
        print(f"  {lang}: {hits:3d}/{len(cases):3d} = {hits / len(cases):.3f}")
    print(f"  all: {correct:3d}/{total:3d} = {correct / total:.3f}")
    offtopic = eval_set["offtopic"]["questions"]
    rejected = 0
    for question in offtopic:
        got = matcher.match(question).topic
        if got is None:
            rejected += 1
        else:
            confusions[("(off-topic)", got)] += 1
    print(f"  off-topic rejected: {rejected}/{len(offtopic)} = {rejected / len(offtopic):.3f}")
    print("Confusions (expected → got)")
    for (expected, got), count in confusions.most_common():
        print(f"  {count:2d} × {expected} → {got}")
    if not confusions:
        print("  none")


def leave_one_out(content_dir: Path) -> None:
    topics = load_topics(content_dir)
    lexicon = load_lexicon(content_dir)
    total = correct = 0
    for topic_id, topic in topics.items():
        for lang, text in topic.texts.items():
            for i, example in enumerate(text.examples):
                texts = dict(topic.texts)
                rest = text.examples[:i] + text.examples[i + 1 :]
                texts[lang] = TopicText(text.title, text.answer, rest)
                reduced = dict(topics)
                reduced[topic_id] = Topic(
                    topic.id, topic.related, topic.actions, MappingProxyType(texts)
                )
                total += 1
                correct += Matcher(reduced, lexicon).match(example).topic == topic_id
    print(f"Leave-one-out over topic examples: {correct}/{total} = {correct / total:.3f}")


def speed(content_dir: Path, eval_set: dict[str, Any], rounds: int, fresh: int) -> None:
    questions = [q for lang in LANGS for _, q in _labelled(eval_set, lang)]
    questions += eval_set["offtopic"]["questions"]

    builds: list[float] = []
    cold: list[int] = []
    for _ in range(fresh):
        # A fresh matcher has empty word caches: what a new process's first questions cost.
        start = time.perf_counter()
        matcher = Matcher.from_content(content_dir)
        builds.append((time.perf_counter() - start) * 1000)
        gc.collect()
        cold += _timed(matcher.match, questions)
    print(
        f"Speed ({len(questions)} questions, all topics loaded; "
        f"build once at start: median {statistics.median(builds):.0f} ms)"
    )
    workload = questions * rounds
    random.Random(1414).shuffle(workload)
    folder = Folder.from_lexicon(load_lexicon(content_dir))

    def normalise(text: str) -> str:
        return unicodedata.normalize("NFC", text).lower()

    gc.collect()
    baseline = _timed(normalise, workload)
    gc.collect()
    folding = _timed(folder.tokens, workload)
    gc.collect()
    warm = _timed(matcher.match, workload)

    base_us = _report_latency("baseline: normalise+lower", baseline)
    _report_latency("tokenise+fold only", folding)
    cold_us = _report_latency(f"match, {fresh} fresh matchers", cold)
    warm_us = _report_latency(f"match, {rounds} rounds (warm)", warm)
    print(
        f"  match / baseline (mean): cold {cold_us / base_us:,.0f}×, warm {warm_us / base_us:,.0f}×"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="warm passes over the questions")
    parser.add_argument("--fresh", type=int, default=5, help="cold passes, each on a new matcher")
    parser.add_argument("--content", type=Path, default=DEFAULT_CONTENT_DIR)
    parser.add_argument("--loo", action="store_true", help="also run leave-one-out (slow)")
    args = parser.parse_args()
    eval_set = _load_eval()
    accuracy(Matcher.from_content(args.content), eval_set)
    if args.loo:
        leave_one_out(args.content)
    speed(args.content, eval_set, args.rounds, args.fresh)


if __name__ == "__main__":
    main()
