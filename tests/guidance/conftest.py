"""Fixtures for Guidance tests: the real content, one matcher per session, the eval set."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from bot.guidance import DEFAULT_CONTENT_DIR, Matcher, Topic, load_topics

EVAL_SET = Path(__file__).with_name("eval_set.toml")


@pytest.fixture(scope="session")
def content_dir() -> Path:
    return DEFAULT_CONTENT_DIR


@pytest.fixture(scope="session")
def topics(content_dir: Path) -> dict[str, Topic]:
    return load_topics(content_dir)


@pytest.fixture(scope="session")
def matcher(content_dir: Path) -> Matcher:
    return Matcher.from_content(content_dir)


@pytest.fixture(scope="session")
def eval_set() -> dict[str, Any]:
    with EVAL_SET.open("rb") as handle:
        return tomllib.load(handle)
