"""How long unmatched questions are kept: the editors need recent ones, nobody needs old ones."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.guidance.models import UnmatchedQuestion


async def purge_unmatched(session: AsyncSession, older_than: datetime) -> int:
    """Forget questions last asked before `older_than` (the count goes with them)."""
    async with session.begin():
        result = await session.execute(
            delete(UnmatchedQuestion).where(UnmatchedQuestion.last_seen < older_than)
        )
    return int(getattr(result, "rowcount", 0) or 0)
