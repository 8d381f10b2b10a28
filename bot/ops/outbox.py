"""Messages left in the database by commands run outside the bot, sent by the running bot.

A CLI command (e.g. `esign-bot requests approve`) must not open a Bot of its own: it would
send outside the send budget every instance shares. It adds a row here, in the transaction
of what it did, and the leader sends it within about a second, through the one outgoing path
(the notice lane). A row is marked sent right after its send: a crash between the two sends
that one message again when the next leader starts (at most one message per crash).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.db.base import utcnow
from bot.ops.jobs import Hook, leader_job
from bot.ops.lanes import Lane, sending_as
from bot.ops.models import OutgoingMessage
from bot.runtime import Deps, EsignApplication

log = logging.getLogger(__name__)

INTERVAL = 1.0  # how soon a message left by the CLI goes out
BATCH = 50
MAX_ATTEMPTS = 5
RETRY_DELAY = timedelta(seconds=30)
KEEP_SENT = timedelta(days=7)


def enqueue(session: AsyncSession, chat_id: int, text: str) -> None:
    """Add a message to send (HTML, like every message of the bot); the caller commits."""
    now = utcnow()
    session.add(OutgoingMessage(chat_id=chat_id, text=text, created_at=now, due_at=now, attempts=0))


async def send_due(application: EsignApplication) -> int:
    """Send what is due; return how many went out."""
    sessionmaker = application.deps.sessionmaker
    async with sessionmaker() as session, session.begin():
        rows = (
            await session.scalars(
                select(OutgoingMessage)
                .where(OutgoingMessage.sent_at.is_(None), OutgoingMessage.failed.is_(None))
                .where(OutgoingMessage.due_at <= utcnow())
                .order_by(OutgoingMessage.id)
                .limit(BATCH)
            )
        ).all()
    sent = 0
    for row in rows:
        outcome = await _send(application, row)
        async with sessionmaker() as session, session.begin():
            values: dict[str, object] = {"attempts": row.attempts + 1}
            if outcome is None:
                values["sent_at"] = utcnow()
                sent += 1
            elif outcome == "retry" and row.attempts + 1 < MAX_ATTEMPTS:
                values["due_at"] = utcnow() + RETRY_DELAY
            else:
                values["failed"] = outcome[:200]
            await session.execute(
                update(OutgoingMessage).where(OutgoingMessage.id == row.id).values(**values)
            )
    return sent


async def _send(application: EsignApplication, row: OutgoingMessage) -> str | None:
    """None when sent; "retry" for trouble that may pass; else why it never will."""
    try:
        with sending_as(Lane.NOTICE):
            await application.bot.send_message(row.chat_id, row.text)
    except (Forbidden, BadRequest) as exc:
        log.warning("outbox message %s not deliverable: %s", row.id, type(exc).__name__)
        return exc.message
    except (RetryAfter, NetworkError):  # timeouts included
        return "retry"
    except TelegramError as exc:
        return exc.message
    return None


async def purge_sent(deps: Deps) -> int:
    """Forget messages sent (or given up) a week ago."""
    cutoff = utcnow() - KEEP_SENT
    async with deps.sessionmaker() as session, session.begin():
        result = await session.execute(
            delete(OutgoingMessage).where(
                or_(OutgoingMessage.sent_at < cutoff, OutgoingMessage.created_at < cutoff),
                or_(OutgoingMessage.sent_at.is_not(None), OutgoingMessage.failed.is_not(None)),
            )
        )
    return int(getattr(result, "rowcount", 0) or 0)


async def _run_once(application: EsignApplication) -> int:
    return await send_due(application)


def outbox_hooks() -> tuple[Hook, Hook]:
    return leader_job("outbox", _run_once, interval=INTERVAL, first_delay=0.5)
