"""PostgreSQL role split: the owner migrates, the app role runs the bot and cannot empty,
rewrite or unprotect the audit log. Runs deploy/postgres-grants.sql as the README says."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.config import load_settings
from bot.db import migrate
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.urls import normalize_database_url
from bot.harness import BotHarness
from bot.revocations import audit, service
from tests.conftest import NO_PG, PG_ENV

GRANTS = Path(__file__).resolve().parents[2] / "deploy" / "postgres-grants.sql"


@dataclass
class Roles:
    owner_url: str
    app_url: str
    app_role: str


@pytest.fixture
async def roles() -> AsyncIterator[Roles]:
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(NO_PG)
    admin_url = normalize_database_url(base)
    suffix = uuid.uuid4().hex[:10]
    owner, app, database = f"esign_owner_{suffix}", f"esign_app_{suffix}", f"esign_roles_{suffix}"
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            # Roles are cluster-wide: unique names, dropped below, keep parallel runs apart.
            await conn.execute(text(f"CREATE ROLE {owner} LOGIN"))
            await conn.execute(text(f"CREATE ROLE {app} LOGIN"))
            await conn.execute(text(f'CREATE DATABASE "{database}" OWNER {owner}'))
        url = make_url(admin_url).set(database=database)
        yield Roles(
            owner_url=url.set(username=owner).render_as_string(hide_password=False),
            app_url=url.set(username=app).render_as_string(hide_password=False),
            app_role=app,
        )
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            await conn.execute(text(f"DROP ROLE IF EXISTS {app}"))
            await conn.execute(text(f"DROP ROLE IF EXISTS {owner}"))
        await admin.dispose()


async def _run_script(engine: AsyncEngine, script: str) -> None:
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        await raw.driver_connection.execute(script)  # type: ignore[union-attr]


async def _refused(engine: AsyncEngine, statement: str) -> str:
    with pytest.raises(DBAPIError) as caught:
        async with engine.begin() as conn:
            await conn.execute(text(statement))
    return str(caught.value.orig)


async def test_the_app_role_cannot_truncate_or_unprotect_the_audit_log(
    roles: Roles, tmp_path: Path
) -> None:
    owner = create_engine(roles.owner_url)
    app = create_engine(roles.app_url)
    try:
        await migrate.upgrade(owner)
        script = GRANTS.read_text(encoding="utf-8").replace("esign_app", roles.app_role)
        await _run_script(owner, script)

        # The bot runs as the app role: it answers, links a phone, writes the audit log.
        settings = load_settings(
            database_url=roles.app_url,
            bot_data_dir=tmp_path,
            pii_secret="test-pii-secret-0123456789",
            auto_migrate="false",
        )
        async with BotHarness(settings) as harness:
            user = harness.user(language_code="en")
            assert (await user.send("/start")).text
            await user.send("/status")
            shown = await user.share_contact("+77011112233")
            assert shown.messages[-1].text == harness.application.deps.texts.get(
                "en", "signatures.none_found"
            )
        maker = create_sessionmaker(app)
        async with maker() as session:
            assert await service.appoint_admin(session, "cli", "150340000003", 42)
        await migrate.upgrade(app)  # at the head already: a no-op the app role may run
        async with maker() as session:
            assert (await audit.verify(session)).ok

        for statement in (
            "TRUNCATE audit_log",
            "DELETE FROM audit_log",
            "UPDATE audit_log SET actor = 'someone else'",
        ):
            assert "permission denied for table audit_log" in await _refused(app, statement)
        for statement in (
            "ALTER TABLE audit_log DISABLE TRIGGER USER",
            "DROP TRIGGER audit_log_append_only ON audit_log",
            "DROP TABLE audit_log",
        ):
            assert re.search(
                r"must be owner of (table|relation) audit_log", await _refused(app, statement)
            )
        # Even the owner cannot empty it without first dropping the trigger (and the chain
        # shows what an owner rewrites).
        assert "audit log is append-only" in await _refused(owner, "TRUNCATE audit_log")
        async with maker() as session:
            result = await audit.verify(session)
        assert (result.ok, result.entries) == (True, 1)
    finally:
        await app.dispose()
        await owner.dispose()
