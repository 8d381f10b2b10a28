"""The ministry's registry of issued certificates, and whose phone is verified."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UtcDateTime, utcnow


class Certificate(Base):
    """One registry row. Phones are stored only as keyed hashes (HMAC with PII_SECRET)."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    serial_number: Mapped[str] = mapped_column(String(64), unique=True)
    iin: Mapped[str] = mapped_column(String(12), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    phone_hash: Mapped[str] = mapped_column(String(64), index=True)
    key_type: Mapped[str] = mapped_column(String(8))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16))
    # The Almaty day this registry last changed `status` (import or an approved request); None
    # for rows imported before the column existed.
    status_since: Mapped[date | None] = mapped_column(Date, nullable=True)
    org_bin: Mapped[str | None] = mapped_column(String(12), index=True)
    org_name: Mapped[str | None] = mapped_column(String(300))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    def record(self) -> CertificateRecord:
        return CertificateRecord(
            id=self.id,
            serial_number=self.serial_number,
            iin=self.iin,
            full_name=self.full_name,
            key_type=self.key_type,
            valid_from=self.valid_from,
            valid_to=self.valid_to,
            status=self.status,
            status_since=self.status_since,
            org_bin=self.org_bin,
            org_name=self.org_name,
        )


@dataclass(frozen=True)
class CertificateRecord:
    """A registry row as other features see it (bot/signatures/api.py): a copy, so that only
    this feature ever writes its table. No phone hash: nobody else needs it."""

    id: int
    serial_number: str
    iin: str
    full_name: str
    key_type: str
    valid_from: date
    valid_to: date
    status: str
    status_since: date | None
    org_bin: str | None
    org_name: str | None


class VerifiedPhone(Base):
    """A Telegram account whose owner shared their own contact: the proof behind /status."""

    __tablename__ = "verified_phones"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    phone_hash: Mapped[str] = mapped_column(String(64), index=True)
    verified_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)


class ExpiryReminder(Base):
    """A reminder sent, so each (certificate, user, days-before) goes out once."""

    __tablename__ = "expiry_reminders"
    __table_args__ = (UniqueConstraint("certificate_id", "user_id", "days_before"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    certificate_id: Mapped[int] = mapped_column(
        ForeignKey("certificates.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger)
    days_before: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
