"""What the page gets from the Python side: complete texts, and the checker's own constants."""

from __future__ import annotations

import pytest
from zxcvbn import time_estimates

from bot.i18n import LANGS
from bot.passwords import resources
from bot.passwords.report import HANDLER_KEYS, message_keys
from bot.passwords.webapp_data import SCORE_DELTA, SCORE_THRESHOLDS, WEBAPP_KEYS, page_data


@pytest.fixture(scope="module")
def data() -> dict[str, object]:
    return page_data()


def test_every_verdict_text_is_exported_in_every_language(data: dict[str, object]) -> None:
    texts = data["texts"]
    assert isinstance(texts, dict)
    wanted = (message_keys(resources()) - set(HANDLER_KEYS)) | set(WEBAPP_KEYS)
    for lang in LANGS:
        assert set(texts[lang]) == wanted
    assert isinstance(texts["ru"]["passwords.crack_time.days"], dict)  # plural tables as tables


@pytest.mark.parametrize("score", range(len(SCORE_THRESHOLDS)))
def test_score_thresholds_are_zxcvbns(score: int) -> None:
    edge = SCORE_THRESHOLDS[score] + SCORE_DELTA
    assert time_estimates.estimate_attack_times(edge - 1)["score"] == score
    assert time_estimates.estimate_attack_times(edge)["score"] == score + 1


def test_the_lexicon_is_exported_as_its_source_lists(data: dict[str, object]) -> None:
    lexicon = data["lexicon"]
    assert isinstance(lexicon, dict)
    words = sum(len(item["words"].split("\n")) for item in lexicon["lists"])
    assert words == sum(len(w.words) for w in resources().word_lists)
    assert any("тестирование" in item["words"].split("\n") for item in lexicon["lists"])
