"""The registry in the database: streaming import, lookups by verified phone and by serial."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.base import utcnow
from bot.db.upsert import insert_for
from bot.signatures.models import Certificate, VerifiedPhone
from bot.signatures.phones import phone_hash
from bot.signatures.registry_csv import RegistryRow, RowError, iter_registry_rows
from bot.signatures.views import today_in_almaty

# Rows per INSERT: 12 columns x 1,000 stays far below SQLite's and asyncpg's parameter limits.
BATCH_ROWS = 1_000
MAX_REPORTED_ERRORS = 200


@dataclass
class ImportReport:
    rows_written: int = 0
    rows_invalid: int = 0
    errors: list[RowError] = field(default_factory=list)
    applied: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "applied": self.applied,
            "rows_written": self.rows_written,
            "rows_invalid": self.rows_invalid,
            "errors": [{"line": e.line, "code": e.code, "reason": e.reason} for e in self.errors],
        }


def _values(row: RegistryRow, secret: bytes) -> dict[str, Any]:
    return {
        "serial_number": row.serial_number,
        "iin": row.iin,
        "full_name": row.full_name,
        "phone_hash": phone_hash(row.phone, secret),
        "key_type": row.key_type.value,
        "valid_from": row.valid_from,
        "valid_to": row.valid_to,
        "status": row.status.value,
        "status_since": today_in_almaty(utcnow()),
        "org_bin": row.org_bin,
        "org_name": row.org_name,
        "updated_at": utcnow(),
    }


async def _write(session: AsyncSession, batch: dict[str, dict[str, Any]]) -> None:
    # One statement executed with many parameter sets: the drivers batch it, and SQLAlchemy
    # compiles it once, where a VALUES list would be compiled anew for every batch.
    # Core, not the ORM: the ORM's bulk path runs an upsert row by row.
    stmt = insert_for(session, Certificate.__table__)
    columns = next(iter(batch.values()))
    updated = {c: getattr(stmt.excluded, c) for c in columns if c != "serial_number"}
    # A re-import that leaves the status as it was keeps the day the status last changed.
    table = Certificate.__table__.c
    updated["status_since"] = case(
        (table.status == stmt.excluded.status, table.status_since),
        else_=stmt.excluded.status_since,
    )
    upsert = stmt.on_conflict_do_update(index_elements=["serial_number"], set_=updated)
    connection = await session.connection()
    await connection.execute(upsert, list(batch.values()))


async def import_registry(
    sessionmaker: async_sessionmaker[AsyncSession],
    lines: Iterable[str],
    *,
    secret: bytes,
    skip_invalid: bool = False,
) -> ImportReport:
    """Upsert rows by serial number in one transaction, streaming in batches.

    With errors and without `skip_invalid` the transaction is rolled back: nothing changes,
    and every bad row is reported (up to MAX_REPORTED_ERRORS). Within a file, a later row for
    the same serial number wins, as a re-import would.
    """
    report = ImportReport()
    async with sessionmaker() as session, session.begin():
        batch: dict[str, dict[str, Any]] = {}
        for item in iter_registry_rows(lines):
            if isinstance(item, RowError):
                report.rows_invalid += 1
                if len(report.errors) < MAX_REPORTED_ERRORS:
                    report.errors.append(item)
                continue
            if report.rows_invalid and not skip_invalid:
                continue  # keep validating to report every bad row; nothing will be written
            batch[item.serial_number] = _values(item, secret)
            if len(batch) >= BATCH_ROWS:
                await _write(session, batch)
                report.rows_written += len(batch)
                batch = {}
        if report.rows_invalid and not skip_invalid:
            await session.rollback()
            report.rows_written = 0
            return report
        if batch:
            await _write(session, batch)
            report.rows_written += len(batch)
    report.applied = True
    return report


def verified_since(max_age_days: int, now: datetime | None = None) -> datetime:
    """The oldest verification still in force: a phone number can pass to someone else, and
    an old proof must not keep showing the number's signatures to its former owner."""
    return (now or utcnow()) - timedelta(days=max_age_days)


async def link_phone(session: AsyncSession, user_id: int, hashed_phone: str) -> None:
    """Remember that this Telegram account proved it owns this phone, now.

    An account has one link: a new contact replaces the old one (and restarts its clock).
    A number belongs to one Telegram account at a time, so the proof also ends any other
    account's link to it: the number's former owner.
    """
    now = utcnow()
    stmt = insert_for(session, VerifiedPhone).values(
        user_id=user_id, phone_hash=hashed_phone, verified_at=now
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[VerifiedPhone.user_id],
        set_={"phone_hash": hashed_phone, "verified_at": now},
    )
    async with session.begin():
        await session.execute(
            delete(VerifiedPhone).where(
                VerifiedPhone.phone_hash == hashed_phone, VerifiedPhone.user_id != user_id
            )
        )
        await session.execute(stmt)


@dataclass(frozen=True)
class PhoneLink:
    phone_hash: str
    verified_at: datetime

    def in_force(self, since: datetime) -> bool:
        return self.verified_at >= since


async def phone_link(session: AsyncSession, user_id: int) -> PhoneLink | None:
    """The account's link, in force or lapsed (lapsed ones are purged by housekeeping)."""
    async with session.begin():
        row = (
            await session.execute(
                select(VerifiedPhone.phone_hash, VerifiedPhone.verified_at).where(
                    VerifiedPhone.user_id == user_id
                )
            )
        ).first()
    return PhoneLink(row.phone_hash, row.verified_at) if row is not None else None


async def verified_phone(session: AsyncSession, user_id: int, since: datetime) -> str | None:
    """The account's phone (hashed), if it was verified at or after `since`."""
    link = await phone_link(session, user_id)
    return link.phone_hash if link is not None and link.in_force(since) else None


async def purge_lapsed_links(session: AsyncSession, since: datetime) -> int:
    async with session.begin():
        result = await session.execute(
            delete(VerifiedPhone).where(VerifiedPhone.verified_at < since)
        )
    return int(getattr(result, "rowcount", 0) or 0)


async def certificates_of(session: AsyncSession, hashed_phone: str) -> Sequence[Certificate]:
    async with session.begin():
        result = await session.scalars(
            select(Certificate)
            .where(Certificate.phone_hash == hashed_phone)
            .order_by(Certificate.valid_to.desc(), Certificate.id)
        )
        return result.all()


async def certificate_by_serial(session: AsyncSession, serial: str) -> Certificate | None:
    async with session.begin():
        return await session.scalar(
            select(Certificate).where(Certificate.serial_number == serial.upper())
        )


async def registry_size(session: AsyncSession) -> int:
    async with session.begin():
        return int(await session.scalar(select(func.count(Certificate.id))) or 0)
