"""What a citizen is shown about a certificate, as text keys and values (no Telegram, no prose)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.signatures.identifiers import is_valid_iin, mask_iin
from bot.signatures.models import Certificate

ALMATY = ZoneInfo("Asia/Almaty")


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

    @property
    def revocable(self) -> bool:
        return self.status_key in ("valid", "suspended")


def masked(iin: str) -> str:
    return mask_iin(iin) if is_valid_iin(iin) else "************"


def view_of(certificate: Certificate, today: date) -> CertificateView:
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
    )
