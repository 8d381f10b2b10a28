"""The audit log: every step of a revocation, who took it and when."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.revocations.models import AuditEntry

FILED = "request_filed"
APPROVED = "request_approved"
REJECTED = "request_rejected"
DEPARTURE = "departure_recorded"
ADMIN_APPOINTED = "admin_appointed"
ADMIN_REMOVED = "admin_removed"
REFUSED = "action_refused"


def telegram_actor(user_id: int) -> str:
    return f"telegram:{user_id}"


def record(session: AsyncSession, actor: str, action: str, subject: str, **details: Any) -> None:
    """Add an entry inside the caller's transaction: it commits with the change it describes."""
    session.add(AuditEntry(actor=actor, action=action, subject=subject, details=details))


async def entries(session: AsyncSession, since: datetime | None = None) -> Sequence[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    async with session.begin():
        return (await session.scalars(query)).all()
