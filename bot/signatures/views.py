"""What a citizen is shown about a certificate: first as data (text keys and values), then as
the text and buttons of the /status screens. Pure functions of data and Words: no Telegram
calls, no database, no prose (the words are in content/strings)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, KeyboardButton, ReplyKeyboardMarkup

from bot.core.words import Words
from bot.i18n import Html
from bot.signatures.identifiers import is_valid_iin, mask_iin
from bot.signatures.models import Certificate, CertificateRecord

if TYPE_CHECKING:
    from bot.signatures.inspection import Inspection

ALMATY = ZoneInfo("Asia/Almaty")
# "A key you did not request?" is asked about keys issued this recently: an older key the
# holder has been living with is not news, and a warning on every list would be noise.
RECENT_DAYS = 30
# Enough of the serial number to tell one's own keys apart; the full one is in the registry.
SERIAL_END = 6


def today_in_almaty(now: datetime) -> date:
    """Validity dates are Kazakhstan calendar dates: compare them with Almaty's today."""
    return now.astimezone(ALMATY).date()


@dataclass(frozen=True)
class CertificateView:
    id: int
    kind_key: str  # signatures.kind.<auth|sign>
    status_key: str  # signatures.status.<valid|expired|revoked|suspended|not_yet_valid>
    holder: str
    masked_iin: str
    org_name: str | None
    org_bin: str | None
    valid_from: date
    valid_to: date
    days_left: int | None  # only while valid
    serial: str
    status_since: date | None = None  # when the registry last changed the status
    recent: bool = False  # issued within RECENT_DAYS: "did you request it?"

    @property
    def revocable(self) -> bool:
        return self.status_key in ("valid", "suspended")

    @property
    def serial_end(self) -> str:
        return self.serial[-SERIAL_END:]

    @property
    def marked(self) -> bool:
        """Revoked or suspended: a status the registry marks, and may date (`status_since`)."""
        return self.status_key in ("revoked", "suspended")

    @property
    def dates_key(self) -> str:
        """signatures.dates.<key>: a revoked or suspended key is never "valid from … to"."""
        if self.marked and self.status_since is None:
            return f"signatures.dates.{self.status_key}_undated"
        return f"signatures.dates.{self.status_key}"


def masked(iin: str) -> str:
    return mask_iin(iin) if is_valid_iin(iin) else "************"


def view_of(certificate: Certificate | CertificateRecord, today: date) -> CertificateView:
    status = certificate.status
    if status == "valid" and certificate.valid_to < today:
        status = "expired"
    elif status == "valid" and certificate.valid_from > today:
        status = "not_yet_valid"
    return CertificateView(
        id=certificate.id,
        kind_key=f"signatures.kind.{certificate.key_type}",
        status_key=status,
        holder=certificate.full_name,
        masked_iin=masked(certificate.iin),
        org_name=certificate.org_name,
        org_bin=certificate.org_bin,
        valid_from=certificate.valid_from,
        valid_to=certificate.valid_to,
        days_left=(certificate.valid_to - today).days if status == "valid" else None,
        serial=certificate.serial_number,
        status_since=certificate.status_since,
        recent=0 <= (today - certificate.valid_from).days <= RECENT_DAYS,
    )


def asks_about_unrequested(views: Sequence[CertificateView]) -> bool:
    """Whether the list ends with "keys marked new: did you request each of them?"."""
    return any(view.recent for view in views)


# ---- the /status screens ---------------------------------------------------------------------


def _date(w: Words, value: date) -> str:
    return w.date(value, "long")


def contact_keyboard(w: Words) -> ReplyKeyboardMarkup:
    """The one-time "share my phone" keyboard: Telegram sends the user's own contact."""
    return ReplyKeyboardMarkup(
        [[KeyboardButton(w("signatures.share_button"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def ask_for_contact(w: Words, *, lapsed: bool) -> str:
    return w("signatures.reconfirm_contact" if lapsed else "signatures.ask_contact")


def item(w: Words, number: int, view: CertificateView) -> str:
    """One certificate of the list, numbered as its "revoke" button is."""
    organisation = (
        w("signatures.organisation", name=view.org_name, bin=view.org_bin)
        if view.org_name and view.org_bin
        else ""
    )
    if view.days_left is None:
        left = ""
    elif view.days_left == 0:
        left = w("signatures.expires_today")
    else:
        left = w("signatures.days_left", count=view.days_left)
    dates = w(
        view.dates_key,
        start=_date(w, view.valid_from),
        end=_date(w, view.valid_to),
        since=_date(w, view.status_since) if view.status_since else "",
        left=Html(left),
    )
    return w(
        "signatures.item",
        number=number,
        new=Html(w("signatures.new") if view.recent else ""),
        kind=w(view.kind_key),
        serial_end=view.serial_end,
        status=w(f"signatures.status.{view.status_key}"),
        holder=view.holder,
        iin=view.masked_iin,
        organisation=Html(organisation),
        dates=Html(dates),
    )


def list_header(w: Words, count: int) -> str:
    return w("signatures.list_header", count=count)


def list_footer(w: Words, views: Sequence[CertificateView]) -> str:
    # The "did you request these?" line only where a key is new enough for it to matter.
    footer = [w("signatures.unexpected")] if asks_about_unrequested(views) else []
    footer.append(w("signatures.revoke_hint"))
    return "\n\n".join(footer)


def revoke_rows(
    w: Words,
    items: Sequence[tuple[int, CertificateView]],
    action: Callable[[int], str] | None,
) -> list[list[InlineKeyboardButton]]:
    """A "revoke" button per revocable certificate shown, when a feature offers revocation."""
    if action is None:
        return []
    return [
        [InlineKeyboardButton(w("signatures.revoke_button", number=n), callback_data=action(v.id))]
        for n, v in items
        if v.revocable
    ]


def too_large(w: Words, limit_bytes: int) -> str:
    return w("signatures.file_too_large", limit=limit_bytes // 1024)


def inspected(w: Words, inspection: Inspection) -> str:
    """A certificate file someone sent: what it says about itself, and its status."""
    info = inspection.info
    not_stated = w("signatures.not_stated")
    usage = ", ".join(
        w(f"signatures.usage.{u}")
        if w.texts.has(f"signatures.usage.{u}")
        else w("signatures.usage.other")
        for u in info.key_usage
    )
    return w(
        "signatures.certificate",
        holder=info.common_name or not_stated,
        iin=masked(info.iin) if info.iin else not_stated,
        bin=info.org_bin or not_stated,
        issuer=info.issuer_common_name or info.issuer,
        serial=info.serial_number,
        start=_date(w, today_in_almaty(info.not_before)),
        end=_date(w, today_in_almaty(info.not_after)),
        usage=usage or not_stated,
        status=w(f"signatures.status.{inspection.status_key}"),
    )
