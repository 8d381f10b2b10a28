from __future__ import annotations

import pytest

from bot.guidance import scrub_question
from bot.guidance.scrub import MASK


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("мой ИИН 061211600012, что делать", f"мой ИИН {MASK}, что делать"),
        ("звоните +7 (701) 123-45-67", f"звоните {MASK}"),
        ("8 701 123 45 67 номер", f"{MASK} номер"),
        ("пароль Qwerty2024!", f"пароль Qwerty{MASK}!"),
        ("pin 1234", f"pin {MASK}"),
        ("ИИН 900101 300 123", f"ИИН {MASK}"),
        ("дата рождения 12.05.1990", f"дата рождения {MASK}"),
        ("код из смс 1414", f"код из смс {MASK}"),
    ],
)
def test_masks_number_runs(text: str, expected: str) -> None:
    assert scrub_question(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "потерял ключ p12",
        "RSA256 и AUTH_RSA256",
        "срок 3 года, 1 год на файле",
        "статья 640",
        "10 МРП и 15 МРП",
        "",
    ],
)
def test_keeps_short_numbers(text: str) -> None:
    assert scrub_question(text) == text


def test_leaves_no_four_digit_run() -> None:
    scrubbed = scrub_question("a1234b 5-6-7-8 +7 777 000 11 22 IIN: 0612-1160-0012")
    digits_in_a_row = 0
    for ch in scrubbed:
        digits_in_a_row = digits_in_a_row + 1 if ch.isdigit() else 0
        assert digits_in_a_row < 4
    assert sum(ch.isdigit() for ch in scrubbed) == 0
