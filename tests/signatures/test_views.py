"""The /status screens and their callback data, without Telegram or a database."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.core.words import Words
from bot.i18n import Texts
from bot.signatures import actions, views
from bot.signatures.actions import Action
from bot.signatures.certificates import CertificateInfo
from bot.signatures.inspection import Inspection
from bot.signatures.models import CertificateRecord
from bot.signatures.views import view_of
from bot.tghtml import parse

TEXTS = Texts.load()
EN = Words(TEXTS, "en")
KK = Words(TEXTS, "kk")
TODAY = date(2026, 6, 1)


def record(
    id: int = 1,
    *,
    status: str = "valid",
    valid_from: date = date(2026, 1, 10),
    valid_to: date = date(2027, 1, 10),
    name: str = "АХМЕТОВА АЙГЕРИМ",
    org: tuple[str, str] | None = None,
) -> CertificateRecord:
    return CertificateRecord(
        id=id,
        serial_number=f"4A1B2C3D4E5F{id:04d}",
        iin="850315400005",
        full_name=name,
        key_type="sign",
        valid_from=valid_from,
        valid_to=valid_to,
        status=status,
        status_since=None,
        org_bin=org[0] if org else None,
        org_name=org[1] if org else None,
    )


def plain(html: str) -> str:
    return parse(html).text


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (actions.STATUS, Action("status")),
        (actions.page(0), Action("page", 0)),
        (actions.page(16), Action("page", 16)),
    ],
)
def test_buttons_read_back_as_written(data: str, expected: Action) -> None:
    assert actions.parse(data) == expected


@pytest.mark.parametrize("data", ["sig:page:", "sig:page:9999999", "sig:page:-1", "sig:x", None])
def test_forged_data_is_no_action(data: str | None) -> None:
    assert actions.parse(data) is None


def test_an_item_masks_the_iin_and_escapes_the_name() -> None:
    view = view_of(record(name="<b>ROOT</b>", org=("150340000003", "ТОО «Дала»")), TODAY)
    text = views.item(EN, 3, view)
    assert "850315400005" not in plain(text)
    assert "&lt;b&gt;ROOT&lt;/b&gt;" in text
    assert plain(text).startswith("3. ")
    assert "150340000003" in plain(text)
    assert "…" + view.serial_end in plain(text)


def test_days_left_count_down_to_today() -> None:
    left = views.item(EN, 1, view_of(record(valid_to=date(2026, 6, 3)), TODAY))
    today = views.item(EN, 1, view_of(record(valid_to=TODAY), TODAY))
    expired = views.item(EN, 1, view_of(record(valid_to=date(2026, 5, 1)), TODAY))
    assert "(2 days left)" in plain(left)
    assert "(expires today)" in plain(today)
    assert "left" not in plain(expired)
    assert EN("signatures.status.expired") in expired


def test_a_new_key_is_marked_and_the_footer_asks_about_it() -> None:
    fresh = view_of(record(valid_from=date(2026, 5, 20)), TODAY)
    old = view_of(record(), TODAY)
    assert views.item(EN, 1, fresh).startswith("1. 🆕")
    assert "🆕" not in views.item(EN, 1, old)
    assert EN("signatures.unexpected") in views.list_footer(EN, [old, fresh])
    assert views.list_footer(EN, [old]) == EN("signatures.revoke_hint")


def test_revoke_buttons_only_for_revocable_keys_and_only_when_offered() -> None:
    shown = [
        (1, view_of(record(1), TODAY)),
        (2, view_of(record(2, status="revoked"), TODAY)),
        (3, view_of(record(3, status="suspended"), TODAY)),
    ]
    rows = views.revoke_rows(EN, shown, lambda certificate_id: f"act:{certificate_id}")
    assert [row[0].callback_data for row in rows] == ["act:1", "act:3"]
    assert rows[1][0].text == EN("signatures.revoke_button", number=3)
    assert views.revoke_rows(EN, shown, None) == []


def test_the_contact_keyboard_asks_for_the_users_own_phone_once() -> None:
    keyboard = views.contact_keyboard(KK)
    (button,) = keyboard.keyboard[0]
    assert button.request_contact is True
    assert button.text == KK("signatures.share_button")
    assert keyboard.one_time_keyboard is True
    assert views.ask_for_contact(KK, lapsed=True) == KK("signatures.reconfirm_contact")


def test_an_inspected_file_says_what_it_does_not_state() -> None:
    info = CertificateInfo(
        common_name=None,
        surname=None,
        given_name=None,
        iin="850315400005",
        org_bin=None,
        org_name=None,
        issuer_common_name=None,
        issuer="CN=Test CA",
        serial_number="0A0B",
        not_before=datetime(2026, 1, 10, 4, tzinfo=UTC),
        not_after=datetime(2027, 1, 9, 20, tzinfo=UTC),  # 10 January in Almaty
        key_usage=("digital_signature", "something_new"),
        extended_key_usage=(),
        purpose=None,
        ocsp_url=None,
        fingerprint_sha256="00" * 32,
    )
    text = plain(views.inspected(EN, Inspection(info, "ocsp_good")))
    assert "850315400005" not in text
    assert EN("signatures.not_stated") in text
    assert "CN=Test CA" in text
    assert "January 10, 2027" in text  # the Kazakhstan day, written out
    assert EN("signatures.usage.digital_signature") in text
    assert EN("signatures.usage.other") in text  # a usage without words of its own


def test_too_large_names_the_limit_in_kilobytes() -> None:
    assert views.too_large(EN, 64 * 1024) == EN("signatures.file_too_large", limit=64)
