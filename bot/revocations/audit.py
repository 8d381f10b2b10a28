"""The audit log: every step of a revocation, who took it and when, in a hash chain.

`record()` only notes the entry; it is written when the caller's transaction commits, chained
to the newest entry. Written at commit, under a lock, because the chain needs one order:
- on PostgreSQL a transaction-level advisory lock serialises the writers from reading the
  newest hash to their commit, so two instances never chain to the same entry, and ids (taken
  from the sequence after the lock) follow the chain's order. Taken at commit, after the
  transaction's other locks, and followed only by inserts that wait for nobody: it cannot
  join a deadlock;
- on SQLite every write transaction already holds the database's write lock (BEGIN IMMEDIATE).
Triggers refuse to update or delete entries; the chain makes what they cannot stop (the
table's owner, a restored backup) visible to `esign-bot audit verify`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from bot.db.base import utcnow
from bot.revocations.chain import GENESIS, entry_hash
from bot.revocations.models import AuditEntry

FILED = "request_filed"
APPROVED = "request_approved"
REJECTED = "request_rejected"
DEPARTURE = "departure_recorded"
ADMIN_APPOINTED = "admin_appointed"
ADMIN_REMOVED = "admin_removed"
REFUSED = "action_refused"

# pg_advisory_xact_lock key for the chain ("esign-audit" in the one-bigint space).
CHAIN_LOCK_KEY = 0x65_7369_676E_6175
_PENDING = "revocations.audit.pending"
VERIFY_BATCH = 1_000


@dataclass(frozen=True)
class _Pending:
    at: datetime
    actor: str
    action: str
    subject: str
    details: dict[str, Any]


def telegram_actor(user_id: int) -> str:
    return f"telegram:{user_id}"


def record(session: AsyncSession, actor: str, action: str, subject: str, **details: Any) -> None:
    """Note an entry in the caller's transaction: it commits with the change it describes."""
    pending: list[_Pending] = session.info.setdefault(_PENDING, [])
    pending.append(_Pending(utcnow(), actor, action, subject, details))


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    """Chain and insert the noted entries (sync: SQLAlchemy runs it inside the async commit)."""
    if session.in_nested_transaction():
        return  # a savepoint ends, not the transaction: the entries wait for the real commit
    pending: list[_Pending] = session.info.pop(_PENDING, [])
    if not pending:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})
    newest = session.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))
    previous = newest or GENESIS
    for entry in pending:
        digest = entry_hash(
            previous, entry.at, entry.actor, entry.action, entry.subject, entry.details
        )
        session.add(
            AuditEntry(
                at=entry.at,
                actor=entry.actor,
                action=entry.action,
                subject=entry.subject,
                details=entry.details,
                prev_hash=previous,
                hash=digest,
            )
        )
        session.flush()  # one at a time: ids in the chain's order
        previous = digest


@event.listens_for(Session, "after_transaction_end")
def _forget_pending(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the transaction ended (rolled back): its entries go too
        session.info.pop(_PENDING, None)


async def entries(session: AsyncSession, since: datetime | None = None) -> Sequence[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    async with session.begin():
        return (await session.scalars(query)).all()


@dataclass(frozen=True)
class Verification:
    entries: int  # how many were checked (all of them when the chain holds)
    head: str  # the newest good hash: note it elsewhere to detect removal at the end
    broken_at: int | None = None  # the id of the first entry that does not hold
    reason: str | None = None  # why it does not hold (set too when a noted hash is missing)

    @property
    def ok(self) -> bool:
        return self.reason is None


async def verify(session: AsyncSession, expect: str | None = None) -> Verification:
    """Walk the chain in id order and report the first entry that does not hold. `expect`: a
    hash noted from an earlier `verify`; a chain that holds must still contain it, or entries
    at its end were removed (which the chain alone cannot show)."""
    previous = GENESIS
    checked = 0
    found = expect is None or expect == GENESIS
    async with session.begin():
        rows = await session.stream_scalars(
            select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=VERIFY_BATCH)
        )
        async for entry in rows:
            checked += 1
            if entry.prev_hash != previous:
                reason = (
                    "the log does not start with its first entry (earlier entries were removed)"
                    if checked == 1
                    else "it does not follow the entry before it "
                    "(an entry was removed, inserted or rewritten there)"
                )
                return Verification(checked, previous, entry.id, reason)
            expected = entry_hash(
                previous, entry.at, entry.actor, entry.action, entry.subject, entry.details
            )
            if entry.hash != expected:
                return Verification(
                    checked, previous, entry.id, "its contents do not match its hash"
                )
            previous = entry.hash
            found = found or previous == expect
    if not found:
        return Verification(
            checked,
            previous,
            reason=f"the entry with hash {expect}, noted earlier, is not in the log: "
            "entries at its end were removed (or the whole log emptied)",
        )
    return Verification(checked, previous)
