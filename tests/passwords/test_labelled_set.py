"""The labelled set: every password lands in its score band, with the warnings it must get."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from bot.passwords import check_password

CASES: list[dict[str, Any]] = tomllib.loads(
    (Path(__file__).with_name("labelled_passwords.toml")).read_text(encoding="utf-8")
)["case"]


def test_the_set_is_large_enough() -> None:
    assert len(CASES) >= 60
    assert len({case["password"] for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case["password"] for case in CASES])
def test_lands_in_its_band(case: dict[str, Any]) -> None:
    verdict = check_password(case["password"])

    assert verdict.score in case["scores"]
    assert set(case.get("warnings", [])) <= set(verdict.warnings)
    assert verdict.standard_password == case.get("standard")
