"""The terminal chat's demo world, the revocation feature's part: its heads of organisations."""

from __future__ import annotations

from bot.clikit import database
from bot.config import Settings
from bot.revocations import service

DEMO_ACTOR = "demo"


async def appoint_heads(settings: Settings) -> None:
    """The cast's heads of organisations (content/demo/cast.toml), as `esign-bot org
    add-admin` would appoint them (idempotent)."""
    # Imported here: the harness imports the whole app, this feature included.
    from bot.harness.demo import load_cast

    cast = load_cast(settings.content_dir)
    async with database(settings, upgrade=False) as db, db.sessionmaker() as session:
        for person in cast.people:
            if person.head_of:
                await service.appoint_admin(session, DEMO_ACTOR, person.head_of, person.id)
