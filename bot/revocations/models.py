"""Revocation requests, organisation admins, departures, and the append-only audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UtcDateTime, utcnow

OPEN = "open"
APPROVED = "approved"
REJECTED = "rejected"


class RevocationRequest(Base):
    __tablename__ = "revocation_requests"
    __table_args__ = (
        # One open request per certificate, enforced by the database so that two presses, or
        # two instances handling the same press, cannot both file one.
        Index(
            "uq_revocation_requests_open_certificate",
            "certificate_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(32), unique=True)
    certificate_id: Mapped[int] = mapped_column(
        ForeignKey("certificates.id", ondelete="CASCADE"), index=True
    )
    requester_id: Mapped[int] = mapped_column(BigInteger, index=True)
    # The requester's organisation when a head of organisation filed it.
    org_bin: Mapped[str | None] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=OPEN, index=True)
    decided_by: Mapped[int | None] = mapped_column(BigInteger)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class OrgAdmin(Base):
    """A head of organisation (or their deputy) appointed by the ministry's operators."""

    __tablename__ = "org_admins"

    org_bin: Mapped[str] = mapped_column(String(12), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    appointed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # When this admin was last reminded of departed employees' valid certificates.
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Departure(Base):
    __tablename__ = "departures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_bin: Mapped[str] = mapped_column(String(12), index=True)
    iin: Mapped[str] = mapped_column(String(12))
    recorded_by: Mapped[int] = mapped_column(BigInteger)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class AuditEntry(Base):
    """Who did what, when. Rows are only ever added (triggers refuse updates and deletes), and
    each is chained to the one before by a hash."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The hash chain (bot/revocations/chain.py), filled in at commit by bot/revocations/audit.py;
    # a row written any other way keeps the empty default and fails `esign-bot audit verify`.
    prev_hash: Mapped[str] = mapped_column(String(64), server_default="")
    hash: Mapped[str] = mapped_column(String(64), server_default="")
