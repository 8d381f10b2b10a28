"""What the revocation screens say and which buttons they show: pure functions from data and
words in one language to text and keyboards. No Telegram calls, no database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import groupby

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.words import Words
from bot.i18n import Html
from bot.revocations import actions
from bot.revocations.models import REJECTED, RevocationRequest
from bot.revocations.service import CITIZEN_REASONS, REVOCABLE, Filed
from bot.signatures.api import CertificateRecord, masked, view_of

Screen = tuple[str, InlineKeyboardMarkup]


def _kind(w: Words, certificate: CertificateRecord) -> str:
    return w(f"signatures.kind.{certificate.key_type}")


def _buttons(rows: Sequence[Sequence[tuple[str, str]]]) -> list[list[InlineKeyboardButton]]:
    return [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]


def _markup(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(_buttons(rows))


def _cancel_row(w: Words, nonce: str) -> list[tuple[str, str]]:
    return [(w("revocations.cancel_button"), actions.cancel(nonce))]


# ---- citizens --------------------------------------------------------------------------------


def verify_first(w: Words, verify_data: str) -> Screen:
    """/revoke before the phone is proved: the way to prove it."""
    return w("revocations.need_verification"), _markup(
        [[(w("revocations.verify_button"), verify_data)]]
    )


def my_requests(w: Words, requests: Sequence[tuple[RevocationRequest, CertificateRecord]]) -> str:
    lines = [w("revocations.my_requests")]
    for request, certificate in requests:
        lines.append(
            w(
                # A rejection names its reason and the next step here too, not only in the notice.
                "revocations.request_line_rejected"
                if request.status == REJECTED
                else "revocations.request_line",
                reference=request.reference,
                kind=_kind(w, certificate),
                serial=certificate.serial_number,
                status=w(f"revocations.status.{request.status}"),
                reason=request.decision_reason or "—",
            )
        )
    return "\n".join(lines)


def certificate_picker(w: Words, certificates: Sequence[CertificateRecord]) -> Screen:
    rows = [
        [
            (
                w(
                    "revocations.certificate_button",
                    kind=_kind(w, c),
                    serial=c.serial_number,
                    end=w.date(c.valid_to),
                ),
                actions.pick(c.id),
            )
        ]
        for c in certificates
    ]
    return w("revocations.pick_certificate"), _markup(rows)


def reason_picker(w: Words, certificate_id: int, nonce: str) -> Screen:
    rows = [
        [(w(f"revocations.reason.{why}"), actions.reason(certificate_id, why, nonce))]
        for why in CITIZEN_REASONS
    ]
    rows.append(_cancel_row(w, nonce))
    return w("revocations.pick_reason"), _markup(rows)


def confirmation(w: Words, certificate: CertificateRecord, why: str, nonce: str) -> Screen:
    text = w(
        "revocations.confirm",
        kind=_kind(w, certificate),
        serial=certificate.serial_number,
        end=w.date(certificate.valid_to),
        reason=w(f"revocations.reason.{why}"),
    )
    return text, _markup(
        [
            [(w("revocations.confirm_button"), actions.confirm(certificate.id, why, nonce))],
            _cancel_row(w, nonce),
        ]
    )


def filed(w: Words, result: Filed) -> str:
    key = "revocations.filed" if result.created else "revocations.already_open"
    return w(key, reference=result.request.reference)


# ---- heads of organisations ------------------------------------------------------------------


@dataclass(frozen=True)
class Employee:
    name: str
    iin: str
    certificates: list[CertificateRecord]


def employees(certificates: Sequence[CertificateRecord]) -> list[Employee]:
    """The organisation's certificates (ordered by name and IIN), one entry per person."""
    return [
        Employee(name, iin, list(group))
        for (name, iin), group in groupby(certificates, key=lambda c: (c.full_name, c.iin))
    ]


def org_employee(w: Words, employee: Employee, today: date) -> str:
    lines = [w("revocations.org_employee", holder=employee.name, iin=masked(employee.iin))]
    for certificate in employee.certificates:
        view = view_of(certificate, today)
        # A revoked or suspended key says since when, as /status does, where the registry says.
        dated = view.marked and view.status_since is not None
        lines.append(
            w(
                "revocations.org_certificate_since" if dated else "revocations.org_certificate",
                kind=_kind(w, certificate),
                end=w.date(certificate.valid_to),
                status=w(f"signatures.status.{view.status_key}"),
                since=w.date(view.status_since) if view.status_since else "",
            )
        )
    return "\n".join(lines)


def org_header(w: Words, name: str | None, org_bin: str, count: int) -> str:
    return w("revocations.org_header", name=name, bin=org_bin, count=count)


def org_rows(w: Words, org_bin: str, has_employees: bool) -> list[list[InlineKeyboardButton]]:
    """Under the organisation's list: "an employee left" (when it has anyone)."""
    if not has_employees:
        return []
    label = w("revocations.employee_left_button")
    return [[InlineKeyboardButton(label, callback_data=actions.org_left(org_bin))]]


def employee_rows(
    w: Words, shown: Sequence[Employee], nonce: str
) -> list[list[InlineKeyboardButton]]:
    """One button per employee on the page (the text only asks), then cancel."""
    rows = [
        [
            (
                w("revocations.employee_button", holder=e.name, iin=masked(e.iin)),
                actions.employee(e.certificates[0].id, nonce),
            )
        ]
        for e in shown
    ]
    rows.append(_cancel_row(w, nonce))
    return _buttons(rows)


def departure_confirmation(
    w: Words,
    anchor: CertificateRecord,
    certificates: Sequence[CertificateRecord],
    nonce: str,
) -> Screen:
    """ "Did they leave?": how many of their keys a yes would ask to revoke."""
    valid = [c for c in certificates if c.iin == anchor.iin and c.status in REVOCABLE]
    text = w(
        "revocations.confirm_departure",
        holder=anchor.full_name,
        iin=masked(anchor.iin),
        count=len(valid),
    )
    return text, _markup(
        [
            [
                (
                    w("revocations.confirm_departure_button"),
                    actions.departure(anchor.id, nonce),
                )
            ],
            _cancel_row(w, nonce),
        ]
    )


def departure_filed(w: Words, results: Sequence[Filed]) -> str:
    if not results:
        return w("revocations.departure_nothing")
    references = ", ".join(f.request.reference or "" for f in results)
    return w("revocations.departure_filed", references=references)


# ---- operators -------------------------------------------------------------------------------


def request_summary(
    w: Words, key: str, request: RevocationRequest, certificate: CertificateRecord
) -> str:
    """A request as `key` tells it: a queue card, a confirmation, an announcement."""
    organisation = (
        w("revocations.organisation_suffix", name=certificate.org_name, bin=certificate.org_bin)
        if certificate.org_bin and certificate.org_name
        else ""
    )
    return w(
        key,
        reference=request.reference,
        created=w.date(request.created_at.date()),
        kind=_kind(w, certificate),
        serial=certificate.serial_number,
        holder=certificate.full_name,
        iin=masked(certificate.iin),
        organisation=Html(organisation),
        reason=w(f"revocations.reason.{request.reason}"),
    )


def queue_rows(w: Words, requests: Sequence[RevocationRequest]) -> list[list[InlineKeyboardButton]]:
    """Approve / reject under each open request of the page."""
    return [
        [
            InlineKeyboardButton(
                w("revocations.approve_button", reference=request.reference),
                callback_data=actions.approve(request.id),
            ),
            InlineKeyboardButton(
                w("revocations.reject_button", reference=request.reference),
                callback_data=actions.reject(request.id),
            ),
        ]
        for request in requests
    ]


def approve_confirmation(
    w: Words, request: RevocationRequest, certificate: CertificateRecord, nonce: str
) -> Screen:
    """Approving cannot be undone: what it will do, and one more tap."""
    text = request_summary(w, "revocations.confirm_approve", request, certificate)
    reference = request.reference
    return text, _markup(
        [
            [
                (
                    w("revocations.confirm_approve_button", reference=reference),
                    actions.approve_confirmed(request.id, nonce),
                )
            ],
            [(w("revocations.keep_open_button"), actions.approve_dropped(request.id, nonce))],
        ]
    )


def already_decided(w: Words, request: RevocationRequest) -> str:
    return w(
        "revocations.already_decided",
        reference=request.reference,
        status=w(f"revocations.status.{request.status}"),
    )


def decided(w: Words, request: RevocationRequest) -> str:
    key = (
        "revocations.decided_approved"
        if request.status == "approved"
        else "revocations.decided_rejected"
    )
    return w(key, reference=request.reference)
