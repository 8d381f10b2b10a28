"""What other features may ask of the signatures feature, and all they may import from it.

Signatures owns the registry (`certificates`) and the phone proofs (`verified_phones`). Other
features read them only through these operations, which hand out frozen records, and change
them only through `mark_revoked`. The queries run inside the caller's transaction and never
begin or commit one, so a caller can put its own write and the registry's (a decision and the
revocation it approves) into one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.signatures.containers import HEAD_BYTES, is_key_container_name, looks_like_key_container
from bot.signatures.enums import RegistryStatus
from bot.signatures.identifiers import is_valid_bin
from bot.signatures.models import Certificate, CertificateRecord, VerifiedPhone
from bot.signatures.registry import verified_since
from bot.signatures.views import CertificateView, masked, today_in_almaty, view_of

__all__ = [
    "HEAD_BYTES",
    "REVOCABLE",
    "CertificateRecord",
    "CertificateView",
    "certificate",
    "certificates",
    "employee_certificates",
    "has_verified_phone",
    "holder_certificate",
    "holder_certificates",
    "is_key_container_name",
    "is_valid_bin",
    "looks_like_key_container",
    "mark_revoked",
    "masked",
    "organisation_certificates",
    "verified_since",
    "view_of",
]

# The registry states a revocation can still change.
REVOCABLE: tuple[str, ...] = (RegistryStatus.VALID.value, RegistryStatus.SUSPENDED.value)


def _records(rows: Iterable[Certificate]) -> list[CertificateRecord]:
    return [row.record() for row in rows]


def _held_by(user_id: int, since: datetime) -> Select[Certificate]:
    """Certificates registered to the phone this user proved is theirs at or after `since`
    (an older proof has lapsed: the number may have changed owner)."""
    return (
        select(Certificate)
        .join(VerifiedPhone, VerifiedPhone.phone_hash == Certificate.phone_hash)
        .where(VerifiedPhone.user_id == user_id, VerifiedPhone.verified_at >= since)
    )


async def has_verified_phone(session: AsyncSession, user_id: int, since: datetime) -> bool:
    found = await session.scalar(
        select(VerifiedPhone.user_id).where(
            VerifiedPhone.user_id == user_id, VerifiedPhone.verified_at >= since
        )
    )
    return found is not None


async def holder_certificate(
    session: AsyncSession, user_id: int, certificate_id: int, *, since: datetime
) -> CertificateRecord | None:
    """The certificate, if it is registered to the user's phone proved at or after `since`."""
    found = await session.scalar(_held_by(user_id, since).where(Certificate.id == certificate_id))
    return found.record() if found is not None else None


async def holder_certificates(
    session: AsyncSession, user_id: int, *, since: datetime, statuses: Sequence[str]
) -> list[CertificateRecord]:
    """The user's certificates in these registry states, the longest-lived first."""
    rows = await session.scalars(
        _held_by(user_id, since)
        .where(Certificate.status.in_(statuses))
        .order_by(Certificate.valid_to.desc())
    )
    return _records(rows)


async def certificate(session: AsyncSession, certificate_id: int) -> CertificateRecord | None:
    found = await session.get(Certificate, certificate_id)
    return found.record() if found is not None else None


async def certificates(
    session: AsyncSession, certificate_ids: Iterable[int]
) -> dict[int, CertificateRecord]:
    """Several certificates by id (a list page's worth): one query, not one each."""
    wanted = set(certificate_ids)
    if not wanted:
        return {}
    rows = await session.scalars(select(Certificate).where(Certificate.id.in_(wanted)))
    return {row.id: row.record() for row in rows}


async def organisation_certificates(session: AsyncSession, org_bin: str) -> list[CertificateRecord]:
    """Every certificate issued for the organisation, by employee (name, IIN) and expiry."""
    rows = await session.scalars(
        select(Certificate)
        .where(Certificate.org_bin == org_bin)
        .order_by(Certificate.full_name, Certificate.iin, Certificate.valid_to)
    )
    return _records(rows)


async def employee_certificates(
    session: AsyncSession,
    org_bin: str,
    iins: Iterable[str],
    *,
    statuses: Sequence[str],
    valid_on: date | None = None,
) -> list[CertificateRecord]:
    """The certificates these employees hold for the organisation, in these registry states
    (and, with `valid_on`, not expired by that day)."""
    people = sorted(set(iins))
    if not people:
        return []
    conditions: list[ColumnElement[bool]] = [
        Certificate.org_bin == org_bin,
        Certificate.iin.in_(people),
        Certificate.status.in_(statuses),
    ]
    if valid_on is not None:
        conditions.append(Certificate.valid_to >= valid_on)
    rows = await session.scalars(select(Certificate).where(*conditions).order_by(Certificate.id))
    return _records(rows)


async def mark_revoked(
    session: AsyncSession, certificate_id: int, now: datetime
) -> CertificateRecord | None:
    """The registry's side of an approved request: revoked as of today (Kazakhstan's day).
    Written in the caller's transaction, with the decision that approves it."""
    found = await session.get(Certificate, certificate_id)
    if found is None:
        return None
    found.status = RegistryStatus.REVOKED.value
    found.status_since = today_in_almaty(now)
    found.updated_at = now
    await session.flush()
    return found.record()
