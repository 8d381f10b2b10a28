"""What a citizen is shown about a certificate, as text keys and values (no Telegram, no prose)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.signatures.identifiers import is_valid_iin, mask_iin
from bot.signatures.models import Certificate, CertificateRecord

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
    def dates_key(self) -> str:
        """signatures.dates.<key>: a revoked or suspended key is never "valid from … to"."""
        if self.status_key in ("revoked", "suspended") and self.status_since is None:
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
