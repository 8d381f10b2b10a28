import hashlib
import hmac

import pytest

from bot.signatures.phones import PhoneError, normalize_phone, phone_hash

SECRET = b"0123456789abcdef-test-secret"


@pytest.mark.parametrize(
    "raw",
    [
        "+7 701 123 45 67",
        "87011234567",
        "7011234567",
        "8 (701) 123-45-67",
        "+7-701-123-4567",
        "77011234567",  # Telegram contacts have no plus
        "+77011234567",
        "  +7 701 123 45 67  ",
        "+7\u00a0701\u00a0123\u00a045\u00a067",
        "8\u2012701\u2012123\u201245\u201267",
        "8.701.123.45.67",
    ],
)
def test_common_forms_normalise_to_e164(raw: str) -> None:
    assert normalize_phone(raw) == "+77011234567"


def test_landline_in_kazakhstan_is_accepted() -> None:
    assert normalize_phone("8 (7172) 55-55-55") == "+77172555555"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "phone_empty"),
        ("   ", "phone_empty"),
        ("+7 701 123 45 6", "phone_length"),
        ("+7 701 123 45 678", "phone_length"),
        ("701123456", "phone_length"),
        ("1" * 40, "phone_length"),
        ("+7 999 123 45 67", "phone_not_kz"),
        ("89991234567", "phone_not_kz"),
        ("+998 90 123 45 67", "phone_not_kz"),
        ("+8 701 123 45 67", "phone_not_kz"),
        ("5011234567", "phone_not_kz"),
        ("+7 701 ABC 45 67", "phone_chars"),
        ("7+7011234567", "phone_chars"),
        ("+7 701 123 45 67 доб. 5", "phone_chars"),
        ("＋７７０１１２３４５６７", "phone_chars"),
    ],
)
def test_rejections_have_exact_reasons(raw: str, reason: str) -> None:
    with pytest.raises(PhoneError) as caught:
        normalize_phone(raw)
    assert caught.value.reason == reason


def test_phone_hash_is_hmac_sha256_hex() -> None:
    expected = hmac.new(SECRET, b"+77011234567", hashlib.sha256).hexdigest()
    assert phone_hash("+77011234567", SECRET) == expected
    assert phone_hash("+77011234567", SECRET + b"!") != expected


def test_phone_hash_only_takes_normalised_numbers() -> None:
    with pytest.raises(ValueError, match=r"E\.164"):
        phone_hash("87011234567", SECRET)


def test_phone_hash_refuses_a_short_secret() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        phone_hash("+77011234567", b"short")
