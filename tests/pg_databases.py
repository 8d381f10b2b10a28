"""PostgreSQL databases for tests: one migrated template per session, and each test a database
of its own that nobody else uses while it runs.

`CREATE DATABASE … TEMPLATE` and `DROP DATABASE` cost about 0.3 s a test together (the server
copies, then deletes, some 7 MB of catalogs), more than most tests take. So a worker hands a
finished test's database on to its next test, emptied, when the test left its schema as the
template's: the same tables, columns, constraints, triggers, functions, owners and grants, and the
same Alembic revision. Anything else (a migration test, a role test, a dropped column) and the
database is dropped as before. Emptying deletes every row, triggers off (the audit log refuses
deletes to the bot, rightly), and restarts the sequences: a test sees what it would see in a
fresh copy. About 30 ms instead of 190.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from asyncpg import PostgresError
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

# The parts of a database a test could change that emptying it would not put back.
SCHEMA_FINGERPRINT = """
SELECT md5(concat_ws('|',
  (SELECT string_agg(format('%s:%s:%s:%s', c.relname, c.relkind, c.relowner, c.relacl), ','
                     ORDER BY c.relname)
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')),
  (SELECT string_agg(format('%s.%s:%s:%s:%s', a.attrelid::regclass, a.attname, a.atttypid,
                            a.attnotnull, a.atthasdef), ','
                     ORDER BY a.attrelid::regclass::text, a.attnum)
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
     JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND a.attnum > 0 AND NOT a.attisdropped),
  (SELECT string_agg(format('%s:%s:%s', conrelid::regclass, conname,
                            md5(pg_get_constraintdef(oid))), ',' ORDER BY conrelid::regclass::text, conname)
     FROM pg_constraint WHERE connamespace = 'public'::regnamespace),
  (SELECT string_agg(format('%s:%s:%s', tgrelid::regclass, tgname, tgenabled), ','
                     ORDER BY tgrelid::regclass::text, tgname)
     FROM pg_trigger WHERE NOT tgisinternal),
  (SELECT string_agg(format('%s:%s:%s', proname, proowner, md5(prosrc)), ',' ORDER BY proname)
     FROM pg_proc WHERE pronamespace = 'public'::regnamespace),
  (SELECT string_agg(format('%s:%s:%s', nspname, nspowner, nspacl), ',' ORDER BY nspname)
     FROM pg_namespace),
  (SELECT string_agg(extname, ',' ORDER BY extname) FROM pg_extension),
  (SELECT string_agg(array_to_string(setconfig, ' '), ',') FROM pg_db_role_setting
    WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())),
  (SELECT format('%s:%s', datdba, datacl) FROM pg_database WHERE datname = current_database()),
  (SELECT string_agg(version_num, ',' ORDER BY version_num) FROM alembic_version)
))
"""
OTHERS = (
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
)
TABLES = (
    "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables"
    " WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
)
SEQUENCES = "SELECT format('%I.%I', schemaname, sequencename) FROM pg_sequences"


def url_of(admin_url: str, name: str) -> str:
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


async def _admin(admin_url: str, statement: str) -> None:
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with admin.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await admin.dispose()


async def create_database(admin_url: str, name: str, template: str | None = None) -> None:
    clause = f' TEMPLATE "{template}"' if template else ""
    await _admin(admin_url, f'CREATE DATABASE "{name}"{clause}')


async def drop_database(admin_url: str, name: str) -> None:
    await _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _fingerprint(conn: AsyncConnection) -> str | None:
    value = await conn.scalar(text(SCHEMA_FINGERPRINT))
    return value if isinstance(value, str) else None


async def fingerprint(url: str) -> str | None:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            return await _fingerprint(conn)
    finally:
        await engine.dispose()


@dataclass
class Template:
    """The session's migrated template, its fingerprint, and this worker's emptied databases."""

    admin_url: str
    name: str
    fingerprint: str | None
    free: list[str] = field(default_factory=list)

    async def take(self) -> str:
        """A migrated, empty database no other test is using: a handed-on one or a new copy."""
        if self.free:
            return self.free.pop()
        name = f"esign_test_{uuid.uuid4().hex[:12]}"
        await create_database(self.admin_url, name, self.name)
        return name

    async def give_back(self, name: str) -> None:
        if self.fingerprint is not None and await self._empty(name):
            self.free.append(name)
        else:
            await drop_database(self.admin_url, name)

    async def close(self) -> None:
        for name in [*self.free, self.name]:
            await drop_database(self.admin_url, name)
        self.free.clear()

    async def _empty(self, name: str) -> bool:
        """Empty the database if the test left its schema as the template's; False if not."""
        engine = create_async_engine(
            url_of(self.admin_url, name), isolation_level="AUTOCOMMIT", poolclass=NullPool
        )
        try:
            async with engine.connect() as conn:
                # Connections a test left open would hold locks (and advisory locks) over.
                await conn.execute(text(OTHERS))
                if await _fingerprint(conn) != self.fingerprint:
                    return False
                tables = (await conn.scalars(text(TABLES))).all()
                sequences = (await conn.scalars(text(SEQUENCES))).all()
                # DELETE, not TRUNCATE: a test leaves a few rows, and TRUNCATE's new files cost
                # ten times as much. One script, so one round trip (asyncpg's simple protocol).
                script = [
                    "BEGIN",
                    "SET LOCAL session_replication_role = replica",
                    *(f"DELETE FROM {table}" for table in tables),
                    *(f"ALTER SEQUENCE {sequence} RESTART" for sequence in sequences),
                    "COMMIT",
                ]
                raw = await conn.get_raw_connection()
                await raw.driver_connection.execute("; ".join(script))
            return True
        except (DBAPIError, PostgresError, OSError):
            return False
        finally:
            await engine.dispose()
