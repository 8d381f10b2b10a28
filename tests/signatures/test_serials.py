import pytest

from bot.signatures.serials import SerialError, normalize_serial, serial_to_hex


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("0a:1b 2c", "A1B2C"),
        ("00FF", "FF"),
        ("0", "0"),
        ("3E:6D:4F", "3E6D4F"),
        ("00" + "F" * 40, "F" * 40),
    ],
)
def test_normalise(raw: str, canonical: str) -> None:
    assert normalize_serial(raw) == canonical


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "serial_empty"),
        (" :: ", "serial_empty"),
        ("XYZ", "serial_not_hex"),
        ("0x1F", "serial_not_hex"),
        ("1" * 41, "serial_too_long"),
        ("1" * 200, "serial_too_long"),
    ],
)
def test_rejections(raw: str, reason: str) -> None:
    with pytest.raises(SerialError) as caught:
        normalize_serial(raw)
    assert caught.value.reason == reason


def test_integer_serials_use_the_same_form() -> None:
    assert serial_to_hex(0x0A1B2C) == normalize_serial("0a:1b:2c") == "A1B2C"
    with pytest.raises(ValueError):
        serial_to_hex(-1)
