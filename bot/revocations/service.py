"""Filing and deciding revocation requests. Every action re-checks who may do it to what."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.base import utcnow
from bot.db.ids import row_id
from bot.revocations import audit
from bot.revocations.models import (
    APPROVED,
    OPEN,
    REJECTED,
    Departure,
    OrgAdmin,
    RevocationRequest,
)
from bot.signatures import api as signatures
from bot.signatures.api import CertificateRecord

CITIZEN_REASONS = ("lost", "transferred", "misuse", "not_needed")
EMPLOYEE_LEFT = "employee_left"
REASONS = (*CITIZEN_REASONS, EMPLOYEE_LEFT)
REVOCABLE = signatures.REVOCABLE
MAX_DECISION_REASON = 500


class NotAllowed(Exception):
    """The user may not do this to this object (forged, stale or someone else's)."""


@dataclass(frozen=True)
class Filed:
    request: RevocationRequest
    created: bool  # False: an open request for the certificate already existed


@dataclass(frozen=True)
class Decision:
    request: RevocationRequest
    certificate: CertificateRecord
    decided_now: bool  # False: someone decided it first


def reference_for(request_id: int, year: int) -> str:
    return f"REV-{year}-{request_id:06d}"


async def own_certificate(
    session: AsyncSession, user_id: int, certificate_id: int, *, since: datetime
) -> CertificateRecord:
    """The certificate, if it is registered to the phone this user proved is theirs at or
    after `since` (an older proof has lapsed: the number may have changed owner)."""
    certificate = await signatures.holder_certificate(session, user_id, certificate_id, since=since)
    if certificate is None:
        raise NotAllowed(f"certificate {certificate_id} is not user {user_id}'s")
    return certificate


async def has_verified_phone(session: AsyncSession, user_id: int, *, since: datetime) -> bool:
    async with session.begin():
        return await signatures.has_verified_phone(session, user_id, since)


async def certificate_of(session: AsyncSession, request: RevocationRequest) -> CertificateRecord:
    """The certificate a request is about (the request's foreign key keeps it there)."""
    async with session.begin():
        certificate = await signatures.certificate(session, request.certificate_id)
    if certificate is None:
        raise NotAllowed(f"request {request.id}'s certificate is gone")
    return certificate


async def admin_orgs(session: AsyncSession, user_id: int) -> list[str]:
    async with session.begin():
        return list(
            await session.scalars(select(OrgAdmin.org_bin).where(OrgAdmin.user_id == user_id))
        )


async def _file(
    session: AsyncSession,
    certificate: CertificateRecord,
    requester_id: int,
    reason: str,
    org_bin: str | None,
) -> Filed:
    existing = await _open_request(session, certificate.id)
    if existing is not None:
        return Filed(existing, created=False)
    request = RevocationRequest(
        certificate_id=certificate.id,
        requester_id=requester_id,
        reason=reason,
        org_bin=org_bin,
        status=OPEN,
    )
    try:
        async with session.begin_nested():
            session.add(request)
            await session.flush()
    except IntegrityError:
        # Another press, or another instance, filed it a moment ago.
        existing = await _open_request(session, certificate.id)
        assert existing is not None
        return Filed(existing, created=False)
    request.reference = reference_for(request.id, utcnow().year)
    audit.record(
        session,
        audit.telegram_actor(requester_id),
        audit.FILED,
        request.reference,
        certificate=certificate.serial_number,
        reason=reason,
        org_bin=org_bin,
    )
    return Filed(request, created=True)


async def _open_request(session: AsyncSession, certificate_id: int) -> RevocationRequest | None:
    return await session.scalar(
        select(RevocationRequest).where(
            RevocationRequest.certificate_id == certificate_id, RevocationRequest.status == OPEN
        )
    )


async def file_citizen_request(
    session: AsyncSession, user_id: int, certificate_id: int, reason: str, *, since: datetime
) -> Filed:
    if reason not in CITIZEN_REASONS:
        raise NotAllowed(f"unknown reason {reason!r}")
    async with session.begin():
        certificate = await own_certificate(session, user_id, certificate_id, since=since)
        if certificate.status not in REVOCABLE:
            raise NotAllowed(f"certificate {certificate_id} is {certificate.status}")
        return await _file(session, certificate, user_id, reason, None)


async def revocable_certificates(
    session: AsyncSession, user_id: int, *, since: datetime
) -> Sequence[CertificateRecord]:
    async with session.begin():
        return await signatures.holder_certificates(
            session, user_id, since=since, statuses=REVOCABLE
        )


async def _with_certificates(
    session: AsyncSession, requests: Sequence[RevocationRequest]
) -> list[tuple[RevocationRequest, CertificateRecord]]:
    """Each request with the registry's certificate it is about (the registry is the
    signatures feature's: asked in one query, never joined)."""
    found = await signatures.certificates(session, (r.certificate_id for r in requests))
    return [(r, found[r.certificate_id]) for r in requests if r.certificate_id in found]


async def requests_of(
    session: AsyncSession, user_id: int, limit: int = 10
) -> Sequence[tuple[RevocationRequest, CertificateRecord]]:
    async with session.begin():
        requests = await session.scalars(
            select(RevocationRequest)
            .where(RevocationRequest.requester_id == user_id)
            .order_by(RevocationRequest.id.desc())
            .limit(limit)
        )
        return await _with_certificates(session, requests.all())


# ---- organisations ------------------------------------------------------------------------


async def org_certificates(
    session: AsyncSession, user_id: int, org_bin: str
) -> Sequence[CertificateRecord]:
    async with session.begin():
        await _require_admin(session, user_id, org_bin)
        return await signatures.organisation_certificates(session, org_bin)


async def _require_admin(session: AsyncSession, user_id: int, org_bin: str) -> None:
    admin = await session.get(OrgAdmin, (org_bin, user_id))
    if admin is None:
        raise NotAllowed(f"user {user_id} is not an admin of {org_bin}")


async def employee_of(
    session: AsyncSession, user_id: int, certificate_id: int
) -> CertificateRecord:
    """A certificate of the admin's organisation: it names the employee (IIN) and the BIN."""
    async with session.begin():
        certificate = await signatures.certificate(session, certificate_id)
        if certificate is None or certificate.org_bin is None:
            raise NotAllowed(f"certificate {certificate_id} is not an organisation's")
        await _require_admin(session, user_id, certificate.org_bin)
        return certificate


async def record_departure(session: AsyncSession, user_id: int, certificate_id: int) -> list[Filed]:
    """The employee named by this certificate left: request revocation of every valid
    certificate of theirs issued for this organisation, and record the departure."""
    async with session.begin():
        anchor = await signatures.certificate(session, certificate_id)
        if anchor is None or anchor.org_bin is None:
            raise NotAllowed(f"certificate {certificate_id} is not an organisation's")
        await _require_admin(session, user_id, anchor.org_bin)
        session.add(Departure(org_bin=anchor.org_bin, iin=anchor.iin, recorded_by=user_id))
        audit.record(
            session,
            audit.telegram_actor(user_id),
            audit.DEPARTURE,
            f"org:{anchor.org_bin}",
            employee=anchor.full_name,
        )
        targets = await signatures.employee_certificates(
            session, anchor.org_bin, [anchor.iin], statuses=REVOCABLE
        )
        return [await _file(session, c, user_id, EMPLOYEE_LEFT, anchor.org_bin) for c in targets]


async def departed_still_valid(
    session: AsyncSession, org_bin: str, today: date
) -> Sequence[CertificateRecord]:
    """Certificates of recorded departures that are still valid: the weekly reminder's list."""
    async with session.begin():
        departed = await session.scalars(
            select(Departure.iin).where(Departure.org_bin == org_bin).distinct()
        )
        return await signatures.employee_certificates(
            session, org_bin, departed.all(), statuses=REVOCABLE, valid_on=today
        )


async def appoint_admin(session: AsyncSession, actor: str, org_bin: str, user_id: int) -> bool:
    async with session.begin():
        if await session.get(OrgAdmin, (org_bin, user_id)) is not None:
            return False
        session.add(OrgAdmin(org_bin=org_bin, user_id=user_id))
        audit.record(session, actor, audit.ADMIN_APPOINTED, f"org:{org_bin}", user_id=user_id)
        return True


async def remove_admin(session: AsyncSession, actor: str, org_bin: str, user_id: int) -> bool:
    async with session.begin():
        admin = await session.get(OrgAdmin, (org_bin, user_id))
        if admin is None:
            return False
        await session.delete(admin)
        audit.record(session, actor, audit.ADMIN_REMOVED, f"org:{org_bin}", user_id=user_id)
        return True


# ---- operators ----------------------------------------------------------------------------


async def open_requests(
    session: AsyncSession, offset: int = 0, limit: int = 5
) -> tuple[int, Sequence[tuple[RevocationRequest, CertificateRecord]]]:
    async with session.begin():
        total = int(
            await session.scalar(
                select(func.count(RevocationRequest.id)).where(RevocationRequest.status == OPEN)
            )
            or 0
        )
        requests = await session.scalars(
            select(RevocationRequest)
            .where(RevocationRequest.status == OPEN)
            .order_by(RevocationRequest.id)
            .offset(offset)
            .limit(limit)
        )
        return total, await _with_certificates(session, requests.all())


async def find_request(session: AsyncSession, key: str) -> RevocationRequest | None:
    """By reference (REV-2026-000123) or by number."""
    async with session.begin():
        if key.isdigit():
            request_id = row_id(key)  # a number no row can have is not a database error
            return await session.get(RevocationRequest, request_id) if request_id else None
        return await session.scalar(
            select(RevocationRequest).where(RevocationRequest.reference == key.upper())
        )


async def decide(
    session: AsyncSession,
    request_id: int,
    *,
    actor: str,
    operator_id: int | None,
    approve: bool,
    reason: str | None = None,
    then: Callable[[AsyncSession, Decision], Awaitable[None]] | None = None,
) -> Decision:
    """Approve (and mark the certificate revoked) or reject, in one transaction.

    The status changes only from open (compare-and-set), so of two operators deciding at once
    exactly one wins; the other gets decided_now=False and the winner's decision. `then` runs
    in the same transaction after a decision made now: what must be kept with the decision or
    not at all (the CLI's notice to the requester, left for the running bot).
    """
    now = utcnow()
    status = APPROVED if approve else REJECTED
    async with session.begin():
        result = await session.execute(
            update(RevocationRequest)
            .where(RevocationRequest.id == request_id, RevocationRequest.status == OPEN)
            .values(
                status=status,
                decided_by=operator_id,
                decided_at=now,
                decision_reason=(reason or "")[:MAX_DECISION_REASON] or None,
            )
            .execution_options(synchronize_session=False)
        )
        request = await session.get(RevocationRequest, request_id, populate_existing=True)
        if request is None:
            raise NotAllowed(f"no request {request_id}")
        if result.rowcount == 0:  # type: ignore[attr-defined]
            certificate = await signatures.certificate(session, request.certificate_id)
            assert certificate is not None
            return Decision(request, certificate, decided_now=False)
        if approve:
            certificate = await signatures.mark_revoked(session, request.certificate_id, now)
        else:
            certificate = await signatures.certificate(session, request.certificate_id)
        assert certificate is not None
        audit.record(
            session,
            actor,
            audit.APPROVED if approve else audit.REJECTED,
            request.reference or str(request.id),
            certificate=certificate.serial_number,
            reason=request.decision_reason,
        )
        decision = Decision(request, certificate, decided_now=True)
        if then is not None:
            await then(session, decision)
        return decision
