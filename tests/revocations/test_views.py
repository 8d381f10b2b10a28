"""The revocation screens and their callback data, without Telegram or a database."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from telegram import InlineKeyboardMarkup

from bot.core.words import Words
from bot.i18n import Texts
from bot.revocations import actions, views
from bot.revocations.actions import Action
from bot.revocations.models import APPROVED, OPEN, REJECTED, RevocationRequest
from bot.revocations.service import CITIZEN_REASONS, Filed
from bot.signatures.api import CertificateRecord, masked
from bot.tghtml import parse

EN = Words(Texts.load(), "en")
RU = Words(Texts.load(), "ru")
NONCE = "0123abcd"
ORG_BIN = "150340000003"
TODAY = date(2026, 6, 1)


def certificate(
    id: int = 7,
    *,
    iin: str = "850315400005",
    name: str = "АХМЕТОВА АЙГЕРИМ",
    status: str = "valid",
    org_bin: str | None = None,
    org_name: str | None = None,
    valid_to: date = date(2027, 1, 10),
    status_since: date | None = None,
) -> CertificateRecord:
    return CertificateRecord(
        id=id,
        serial_number=f"AA{id:02d}",
        iin=iin,
        full_name=name,
        key_type="sign",
        valid_from=date(2026, 1, 10),
        valid_to=valid_to,
        status=status,
        status_since=status_since,
        org_bin=org_bin,
        org_name=org_name,
    )


def request(
    id: int = 12, status: str = OPEN, reason: str | None = None, *, why: str = "lost"
) -> RevocationRequest:
    return RevocationRequest(
        id=id,
        reference=f"REV-2026-{id:06d}",
        certificate_id=7,
        requester_id=100,
        reason=why,
        status=status,
        decision_reason=reason,
        created_at=datetime(2026, 5, 30, 9, 0, tzinfo=UTC),
    )


def datas(markup: InlineKeyboardMarkup) -> list[str]:
    return [str(b.callback_data) for row in markup.inline_keyboard for b in row]


def plain(html: str) -> str:
    return parse(html).text


# ---- actions -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (actions.pick(5), Action("pick", id=5)),
        (actions.reason(5, "lost", NONCE), Action("why", id=5, reason="lost", nonce=NONCE)),
        (actions.confirm(5, "misuse", NONCE), Action("ok", id=5, reason="misuse", nonce=NONCE)),
        (actions.cancel(NONCE), Action("no", nonce=NONCE)),
        (actions.MENU, Action("menu")),
        (actions.ORG_MENU, Action("org_menu")),
        (actions.org_page(ORG_BIN, 20), Action("org_page", org_bin=ORG_BIN, start=20)),
        (actions.org_left(ORG_BIN), Action("org_left", org_bin=ORG_BIN)),
        (actions.org_left(ORG_BIN, 10), Action("org_left", org_bin=ORG_BIN, start=10)),
        (actions.employee(9, NONCE), Action("employee", id=9, nonce=NONCE)),
        (actions.departure(9, NONCE), Action("departure", id=9, nonce=NONCE)),
        (actions.queue_page(5), Action("queue_page", start=5)),
        (actions.approve(12), Action("approve", id=12)),
        (actions.approve_confirmed(12, NONCE), Action("approve_confirmed", id=12, nonce=NONCE)),
        (actions.approve_dropped(12, NONCE), Action("approve_dropped", id=12, nonce=NONCE)),
        (actions.reject(12), Action("reject", id=12)),
    ],
)
def test_every_button_reads_back_as_written(data: str, expected: Action) -> None:
    assert actions.parse(data) == expected
    assert len(data.encode()) <= 64  # Telegram's limit on callback data


@pytest.mark.parametrize(
    "data",
    [
        "rv:pick:99999999999",  # beyond the id column
        "rq:ok:2147483648",
        f"rv:why:1:stolen:{NONCE}",  # not a reason a citizen can give
        "rv:ok:1:lost",  # a flow button without its nonce
        f"org:page:{ORG_BIN}:9999999",  # a page position no list has
        "org:page:12345:0",  # not a BIN
        "rv:pick:-1",
        "rv:ok:1:drop table",
        "",
        None,
    ],
)
def test_forged_data_is_no_action(data: str | None) -> None:
    assert actions.parse(data) is None


def test_each_pattern_matches_only_its_own_buttons() -> None:
    written = {
        "pick": actions.pick(1),
        "why": actions.reason(1, "lost", NONCE),
        "ok": actions.confirm(1, "lost", NONCE),
        "approve": actions.approve(1),
        "reject": actions.reject(1),
        "approve_confirmed": actions.approve_confirmed(1, NONCE),
    }
    for name, data in written.items():
        matching = [n for n, p in actions.PATTERNS.items() if re.match(p, data)]
        assert matching == [name], data


# ---- citizens ----------------------------------------------------------------------------------


def test_the_verification_prompt_points_where_it_is_told() -> None:
    text, markup = views.verify_first(EN, "sig:status")
    assert text == EN("revocations.need_verification")
    assert datas(markup) == ["sig:status"]


def test_own_requests_name_a_rejections_reason_and_escape_it() -> None:
    rows = [
        (request(1, APPROVED), certificate()),
        (request(2, REJECTED, "<b>not yours</b>"), certificate()),
    ]
    text = views.my_requests(EN, rows)
    lines = text.split("\n")
    assert lines[0] == EN("revocations.my_requests")
    assert "REV-2026-000001" in lines[1]
    assert "not yours" not in lines[1]
    assert "&lt;b&gt;not yours&lt;/b&gt;" in lines[2]  # an operator's words are never markup
    assert "pki.gov.kz" in lines[2]


def test_the_picker_has_one_button_per_certificate_with_its_expiry() -> None:
    text, markup = views.certificate_picker(
        RU, [certificate(3), certificate(4, valid_to=date(2028, 3, 1))]
    )
    assert text == RU("revocations.pick_certificate")
    assert datas(markup) == [actions.pick(3), actions.pick(4)]
    assert "AA04" in markup.inline_keyboard[1][0].text
    assert "2028" in markup.inline_keyboard[1][0].text


def test_every_reason_and_cancel_carry_the_flows_nonce() -> None:
    _, markup = views.reason_picker(EN, 5, NONCE)
    pressed = [actions.parse(d) for d in datas(markup)]
    assert [p.reason for p in pressed if p is not None and p.name == "why"] == list(CITIZEN_REASONS)
    assert pressed[-1] == Action("no", nonce=NONCE)
    assert all(p is not None and p.nonce == NONCE for p in pressed)


def test_the_confirmation_repeats_what_will_be_requested() -> None:
    text, markup = views.confirmation(EN, certificate(5), "transferred", NONCE)
    assert "AA05" in text
    assert EN("revocations.reason.transferred") in text
    assert datas(markup) == [actions.confirm(5, "transferred", NONCE), actions.cancel(NONCE)]


def test_filed_says_whether_the_request_is_new() -> None:
    new = views.filed(EN, Filed(request(3), created=True))
    old = views.filed(EN, Filed(request(3), created=False))
    assert new == EN("revocations.filed", reference="REV-2026-000003")
    assert old == EN("revocations.already_open", reference="REV-2026-000003")


# ---- heads of organisations ------------------------------------------------------------------


def test_employees_are_grouped_by_person() -> None:
    rows = [
        certificate(1, iin="781102300008", name="ИВАНОВ СЕРГЕЙ"),
        certificate(2, iin="781102300008", name="ИВАНОВ СЕРГЕЙ"),
        certificate(3, iin="920721400008", name="СЕРІКОВ НҰРЛАН"),
    ]
    people = views.employees(rows)
    assert [(p.name, [c.id for c in p.certificates]) for p in people] == [
        ("ИВАНОВ СЕРГЕЙ", [1, 2]),
        ("СЕРІКОВ НҰРЛАН", [3]),
    ]


def test_an_employee_block_masks_the_iin_and_shows_expiry_as_the_registry_does() -> None:
    person = views.employees(
        [
            certificate(1, iin="781102300008", name="ИВАНОВ СЕРГЕЙ"),
            certificate(2, iin="781102300008", name="ИВАНОВ СЕРГЕЙ", valid_to=date(2026, 1, 1)),
        ]
    )[0]
    block = views.org_employee(EN, person, TODAY)
    assert "781102300008" not in block
    lines = block.split("\n")
    assert EN("signatures.status.valid") in lines[1]
    assert EN("signatures.status.expired") in lines[2]  # valid in the registry, past its date


def test_a_revoked_or_suspended_key_says_since_when_where_the_registry_says() -> None:
    since = date(2026, 5, 20)
    person = views.employees(
        [
            certificate(1, iin="781102300008", status="revoked", status_since=since),
            certificate(2, iin="781102300008", status="suspended", status_since=since),
            certificate(3, iin="781102300008", status="revoked"),  # before the registry said
            certificate(4, iin="781102300008", status_since=since),  # valid: no date
        ]
    )[0]
    for words in (EN, RU, Words(Texts.load(), "kk")):
        lines = views.org_employee(words, person, TODAY).split("\n")[1:]
        dated = [line for line in lines if words.date(since) in line]
        assert dated == lines[:2], (words.lang, lines)
        assert words("signatures.status.revoked") in lines[2]
        assert words("signatures.status.valid") in lines[3]


def test_employee_left_is_offered_only_with_employees() -> None:
    assert views.org_rows(EN, ORG_BIN, has_employees=False) == []
    (row,) = views.org_rows(EN, ORG_BIN, has_employees=True)
    assert row[0].callback_data == actions.org_left(ORG_BIN)


def test_employee_buttons_name_the_person_by_their_first_certificate() -> None:
    people = views.employees(
        [
            certificate(4, iin="781102300008", name="ИВАНОВ СЕРГЕЙ"),
            certificate(6, iin="781102300008", name="ИВАНОВ СЕРГЕЙ"),
        ]
    )
    rows = views.employee_rows(EN, people, NONCE)
    assert [b.callback_data for row in rows for b in row] == [
        actions.employee(4, NONCE),
        actions.cancel(NONCE),
    ]
    assert "781102300008" not in rows[0][0].text


def test_a_departure_counts_only_that_persons_revocable_keys() -> None:
    anchor = certificate(1, iin="781102300008", name="ИВАНОВ СЕРГЕЙ", org_bin=ORG_BIN)
    listing = [
        anchor,
        certificate(2, iin="781102300008", status="suspended", org_bin=ORG_BIN),
        certificate(3, iin="781102300008", status="revoked", org_bin=ORG_BIN),
        certificate(4, iin="920721400008", org_bin=ORG_BIN),
    ]
    text, markup = views.departure_confirmation(EN, anchor, listing, NONCE)
    assert text == EN(
        "revocations.confirm_departure", holder=anchor.full_name, iin=masked(anchor.iin), count=2
    )
    assert datas(markup) == [actions.departure(1, NONCE), actions.cancel(NONCE)]


def test_a_departure_lists_the_references_it_filed() -> None:
    assert views.departure_filed(EN, []) == EN("revocations.departure_nothing")
    filed = [Filed(request(1), created=True), Filed(request(2), created=False)]
    assert "REV-2026-000001, REV-2026-000002" in views.departure_filed(EN, filed)


# ---- operators ---------------------------------------------------------------------------------


def test_a_request_card_escapes_the_holder_and_names_the_organisation_only_when_known() -> None:
    hostile = certificate(name="<i>ROOT</i>", org_bin=ORG_BIN, org_name="ТОО «Дала»")
    card = views.request_summary(EN, "revocations.request_card", request(), hostile)
    assert "&lt;i&gt;ROOT&lt;/i&gt;" in card
    assert f"BIN {ORG_BIN}" in plain(card)
    alone = views.request_summary(
        EN, "revocations.request_card", request(), certificate(org_bin=ORG_BIN)
    )
    assert "BIN" not in plain(alone)
    assert "850315400005" not in card  # the IIN is masked


def test_the_queue_offers_approve_and_reject_per_request() -> None:
    rows = views.queue_rows(EN, [request(1), request(2)])
    assert [[b.callback_data for b in row] for row in rows] == [
        [actions.approve(1), actions.reject(1)],
        [actions.approve(2), actions.reject(2)],
    ]


def test_approving_asks_once_more_within_the_flow() -> None:
    text, markup = views.approve_confirmation(EN, request(4), certificate(), NONCE)
    assert "REV-2026-000004" in text
    assert datas(markup) == [
        actions.approve_confirmed(4, NONCE),
        actions.approve_dropped(4, NONCE),
    ]


def test_a_decision_is_reported_by_its_outcome() -> None:
    assert views.decided(EN, request(1, APPROVED)) == EN(
        "revocations.decided_approved", reference="REV-2026-000001"
    )
    assert views.decided(EN, request(1, REJECTED)) == EN(
        "revocations.decided_rejected", reference="REV-2026-000001"
    )
    assert EN("revocations.status.approved") in views.already_decided(EN, request(1, APPROVED))
