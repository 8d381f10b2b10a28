"""The shared detector: the private-chat rule, one word for scrubbing, and linear scans."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest

from bot.core.credentials import MAX_TOKENS_AFTER, detector, holds_password, looks_secret


@pytest.mark.parametrize(
    "text",
    [
        # A password on its own, in any alphabet.
        "Kairat1985kz",
        "Qwerty12",
        "qwerty",
        "gfhjkm",
        "123456",
        "Пароль123",
        "Астана2024!",
        "Zq7!Жёлтый_Kx9§vortex",
        "  «Aa123456»  ",
        # After a secret's name, whatever it is for and however the sentence goes.
        "is my password Kairat1985kz ok?",
        "мой пароль Aigerim1990 норм?",
        "пароль эцп не подходит, пробовал 123456 и 111111",
        "құпиясөзім: Астана2024!",
        "pin 12345678",
        "пароль от wifi Qwerty123",  # in a group: not the guard's business; here: still a password
        "Не используй пароль 123456",
        "123456 - это пароль?",
        # A token no word looks like, anywhere.
        "Kairat1985kz подходит?",
        "вот: Aigerim1990kz",
        # Commands.
        "/Kairat1985kz",
        "/password Kairat1985kz",
        # Inside markup, or dressed as a tag: still a password.
        "пароль <b>Kairat1985kz</b>",
        "<Kairat1985kz>",
    ],
)
def test_passwords_in_a_private_chat(text: str) -> None:
    assert holds_password(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "что такое ЭЦП?",
        "какой пароль у ЭЦП по умолчанию?",
        "пароль должен быть не меньше 8 символов",
        "потерял ключ p12, что делать",
        "RSA256 и AUTH_RSA256",
        "AUTH_RSA256_abc.p12",
        "мой ИИН 900101300123",
        "+77011234567",
        "12.05.1990",
        "звоните 1414",
        "заявка номер 123456",
        "what is the status of REV-2026-000123?",
        "ошибка 0x80070005 в NCALayer",
        "egov.kz",
        "aigerim.90@mail.kz",
        # A question pasted with its markup, or a link, goes to guidance.
        '<a href="https://pki.gov.kz">как отозвать</a> <b>эцп</b>',
        "https://pki.gov.kz/docs/guides_ru/lk_fl/",
        "<b>эцп</b>",
        "/help",
        "/start password",
        "hello",
        "iPhone",
        "ЭЦП" * 2000,
    ],
)
def test_ordinary_private_messages(text: str) -> None:
    assert not holds_password(text)


@pytest.mark.parametrize(
    "word",
    ["Kairat1985kz", "p12", "x9", "RSA256", "Zq!vortex", "pa$$word", "qWerty", "gfhjkm", "(a1)"],
)
def test_secret_looking_words(word: str) -> None:
    assert looks_secret(word)


@pytest.mark.parametrize(
    "word", ["ЭЦП", "ЭЦҚ-ны", "don't", "egov.kz", "NCALayer", "Shymkent", "1414", "", "?"]
)
def test_ordinary_words(word: str) -> None:
    assert not looks_secret(word)


def test_a_value_far_after_the_name_is_not_its_value() -> None:
    # Only e-signature words in between: they do not count as words, but the window is bounded.
    near = "пароль " + "эцп " * (MAX_TOKENS_AFTER - 2) + "Qwerty12"
    far = "пароль " + "эцп " * (MAX_TOKENS_AFTER + 2) + "Qwerty12"
    assert detector().shares_secret(near)
    assert not detector().shares_secret(far)


# ---- linear in the message -----------------------------------------------------------------

TELEGRAM_MAX = 4096
# Inputs that made the old scans quadratic: hundreds of secrets' names with nothing that counts
# as a word between them, advice in one long sentence, long runs of separators.
WORST = {
    "pin/ecp": "pin/ecp ",
    "pin ecp": "pin ecp ",
    "separators": "пароль эцп : - = ",
    "advice": "не используй пароль эцп 123456 ",
    "values": "пароль Qwerty12 ",
    "strong tokens": "Kairat1985kz ",
}


def _calls(function: Callable[[str], object], text: str) -> int:
    """Python and C function calls made while `function` runs: a count of work, not a time."""
    count = 0

    def profile(frame: object, event: str, arg: object) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        function(text)
    finally:
        sys.setprofile(None)
    return count


@pytest.mark.parametrize("rule", ["shares_secret", "holds_password"])
@pytest.mark.parametrize("name", sorted(WORST))
def test_work_grows_linearly_with_the_message(rule: str, name: str) -> None:
    check = getattr(detector(), rule)
    unit = WORST[name]
    quarter = (unit * TELEGRAM_MAX)[: TELEGRAM_MAX // 4]
    full = (unit * TELEGRAM_MAX)[:TELEGRAM_MAX]
    check(full)  # warm the word caches, so both counts are of the steady state
    check(quarter)
    small, large = _calls(check, quarter), _calls(check, full)
    # Four times the text: four times the work (quadratic would be sixteen).
    assert large <= 5 * small, (small, large)
