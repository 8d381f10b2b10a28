"""The verdict as message pieces, and those pieces rendered in every language."""

from __future__ import annotations

from functools import partial

import pytest

from bot.i18n import LANGS, Texts
from bot.passwords import check_password, resources
from bot.passwords.report import (
    HANDLER_KEYS,
    Piece,
    crack_time,
    message_keys,
    render,
    verdict_report,
)
from bot.tghtml import parse

MINUTE, HOUR, DAY, YEAR = 60, 3600, 86400, 365 * 86400
SAMPLES = [
    "",
    "123456",
    "12345678",
    "Астана2024!",
    "Aigerim1990",
    "gfhjkm2020",
    "чайник2024",
    "Qwerty12",
    "жираф колесо маяк тетрадь",
    "x7#Kq9!mZ2@w" * 10,
]


@pytest.mark.parametrize(
    ("seconds", "key", "count"),
    [
        (0.0, "instant", None),
        (0.99, "instant", None),
        (1.0, "seconds", 1),
        (59.7, "seconds", 59),
        (60.0, "minutes", 1),
        (5 * MINUTE, "minutes", 5),
        (3 * HOUR, "hours", 3),
        (2 * DAY, "days", 2),
        (364 * DAY, "days", 364),
        (21 * YEAR, "years", 21),
        (250 * YEAR, "centuries", 2),
        (9_999 * YEAR, "centuries", 99),
        (10_000 * YEAR, "eternity", None),
        (1e60, "eternity", None),
    ],
)
def test_crack_time_units(seconds: float, key: str, count: int | None) -> None:
    piece = crack_time(seconds)
    assert piece.key == f"passwords.crack_time.{key}"
    assert piece.params.get("count") == count


def _keys(piece: Piece) -> set[str]:
    nested = [value for value in piece.params.values() if isinstance(value, Piece)]
    return {piece.key}.union(*(_keys(value) for value in nested))


@pytest.mark.parametrize("password", SAMPLES)
def test_reports_use_only_known_keys(password: str) -> None:
    report = verdict_report(check_password(password))
    used = set().union(*(_keys(piece) for section in report for piece in section))
    assert used <= message_keys(resources())


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("password", SAMPLES)
def test_reports_render_as_valid_telegram_html(texts: Texts, lang: str, password: str) -> None:
    text = render(verdict_report(check_password(password)), partial(texts.get, lang))
    assert "{" not in text
    assert "}" not in text
    parse(text)  # raises on HTML Telegram would refuse
    assert len(text) < 4096


def test_report_lines_in_reading_order(texts: Texts) -> None:
    verdict = check_password("12345678")
    text = render(verdict_report(verdict), partial(texts.get, "en"))
    order = ["Strength", "Kaztoken", "10 most common", "NCA", "not strong enough"]
    positions = [text.index(marker) for marker in order]
    assert positions == sorted(positions)


@pytest.mark.parametrize(
    ("lang", "count", "expected"),
    [
        ("ru", 1, "1 минута"),
        ("ru", 3, "3 минуты"),
        ("ru", 5, "5 минут"),
        ("ru", 21, "21 минута"),
        ("kk", 5, "5 минут"),
        ("en", 1, "1 minute"),
        ("en", 2, "2 minutes"),
    ],
)
def test_plural_forms(texts: Texts, lang: str, count: int, expected: str) -> None:
    assert texts.get(lang, "passwords.crack_time.minutes", count=count) == expected


def test_truncation_notice(texts: Texts) -> None:
    verdict = check_password("Zx9!" * 1024)
    text = render(verdict_report(verdict), partial(texts.get, "ru"))
    assert "72 символа" in text


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("key", HANDLER_KEYS)
def test_handler_texts_exist(texts: Texts, lang: str, key: str) -> None:
    assert texts.get(lang, key).strip()


@pytest.mark.parametrize("lang", LANGS)
def test_intro_says_what_happens(texts: Texts, lang: str) -> None:
    assert "/cancel" in texts.get(lang, "passwords.intro")
    assert "/password" in texts.get(lang, "passwords.group_redirect")
