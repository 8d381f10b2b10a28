"""Expiry reminders: 30, 7 and 1 days before a certificate ends, once each, to verified users."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import User
from bot.signatures.models import Certificate, ExpiryReminder, VerifiedPhone

REMINDER_DAYS = (30, 7, 1)


@dataclass(frozen=True)
class Reminder:
    user_id: int
    language: str
    certificate_id: int
    key_type: str
    serial: str
    valid_to: date
    days_left: int
    threshold: int


def threshold_for(days_left: int) -> int | None:
    """The closest reminder point not yet passed: a missed day still gets its reminder."""
    due = [d for d in REMINDER_DAYS if days_left <= d]
    return min(due) if due and days_left > 0 else None


async def due_reminders(session: AsyncSession, today: date, since: datetime) -> list[Reminder]:
    """Reminders due today, to accounts whose phone verification (at or after `since`) is
    still in force: a number that changed owner must not tell the new owner, or keep telling
    the old one."""
    horizon = today + timedelta(days=max(REMINDER_DAYS))
    async with session.begin():
        rows = await session.execute(
            select(Certificate, VerifiedPhone.user_id, User)
            .join(VerifiedPhone, VerifiedPhone.phone_hash == Certificate.phone_hash)
            .outerjoin(User, User.id == VerifiedPhone.user_id)
            .where(
                VerifiedPhone.verified_at >= since,
                Certificate.status == "valid",
                Certificate.valid_to > today,
                Certificate.valid_to <= horizon,
            )
        )
        sent = {
            (c, u, d)
            for c, u, d in await session.execute(
                select(
                    ExpiryReminder.certificate_id,
                    ExpiryReminder.user_id,
                    ExpiryReminder.days_before,
                )
            )
        }
    reminders = []
    for certificate, user_id, user in rows:
        days_left = (certificate.valid_to - today).days
        threshold = threshold_for(days_left)
        if threshold is None or (certificate.id, user_id, threshold) in sent:
            continue
        reminders.append(
            Reminder(
                user_id=user_id,
                language=user.effective_language if user else "en",
                certificate_id=certificate.id,
                key_type=certificate.key_type,
                serial=certificate.serial_number,
                valid_to=certificate.valid_to,
                days_left=days_left,
                threshold=threshold,
            )
        )
    return reminders


async def _claim(session: AsyncSession, reminder: Reminder) -> bool:
    """Record the reminder before sending: a second run, or a second instance, skips it."""
    try:
        async with session.begin():
            session.add(
                ExpiryReminder(
                    certificate_id=reminder.certificate_id,
                    user_id=reminder.user_id,
                    days_before=reminder.threshold,
                )
            )
    except IntegrityError:
        return False
    return True


async def _release(session: AsyncSession, reminder: Reminder) -> None:
    async with session.begin():
        row = await session.scalar(
            select(ExpiryReminder).where(
                ExpiryReminder.certificate_id == reminder.certificate_id,
                ExpiryReminder.user_id == reminder.user_id,
                ExpiryReminder.days_before == reminder.threshold,
            )
        )
        if row is not None:
            await session.delete(row)


Send = Callable[[Reminder], Awaitable[bool]]


async def send_due_reminders(
    sessionmaker: async_sessionmaker[AsyncSession], today: date, since: datetime, send: Send
) -> int:
    """Send what is due; `send` returns False for a transient failure (retried next run)."""
    async with sessionmaker() as session:
        reminders = await due_reminders(session, today, since)
        sent = 0
        for reminder in reminders:
            if not await _claim(session, reminder):
                continue
            if await send(reminder):
                sent += 1
            else:
                await _release(session, reminder)
    return sent
