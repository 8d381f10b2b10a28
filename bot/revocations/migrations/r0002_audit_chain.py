"""Revocations: the audit log becomes a hash chain; TRUNCATE is refused too (PostgreSQL).

Existing entries are chained in id order, with the same function the bot uses.

Revision ID: r0002_audit_chain
Revises: r0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from bot.revocations.chain import GENESIS, entry_hash

revision = "r0002_audit_chain"
down_revision = "r0001"
branch_labels = None
depends_on = None

_NO_CHANGE = "audit log is append-only"


def upgrade() -> None:
    op.add_column(
        "audit_log", sa.Column("prev_hash", sa.String(length=64), nullable=False, server_default="")
    )
    op.add_column(
        "audit_log", sa.Column("hash", sa.String(length=64), nullable=False, server_default="")
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    _triggers(enable=False, postgres=postgres)
    _chain_existing()
    _triggers(enable=True, postgres=postgres)
    if postgres:
        # Row triggers do not see TRUNCATE; a statement trigger does (only the owner can drop
        # it, and the app role should not own the table: README, "PostgreSQL roles").
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )


def _triggers(*, enable: bool, postgres: bool) -> None:
    if postgres:
        op.execute(f"ALTER TABLE audit_log {'ENABLE' if enable else 'DISABLE'} TRIGGER USER")
        return
    for event in ("UPDATE", "DELETE"):
        name = f"audit_log_no_{event.lower()}"
        if enable:
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {event} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, '{_NO_CHANGE}'); END"
            )
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")


def _chain_existing() -> None:
    bind = op.get_bind()
    log = sa.table(
        "audit_log",
        sa.column("id", sa.Integer()),
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("actor", sa.String()),
        sa.column("action", sa.String()),
        sa.column("subject", sa.String()),
        sa.column("details", sa.JSON()),
        sa.column("prev_hash", sa.String()),
        sa.column("hash", sa.String()),
    )
    rows = bind.execute(
        sa.select(
            log.c.id, log.c.at, log.c.actor, log.c.action, log.c.subject, log.c.details
        ).order_by(log.c.id)
    ).all()
    previous = GENESIS
    for row in rows:
        digest = entry_hash(
            previous, _utc(row.at), row.actor, row.action, row.subject, _details(row.details)
        )
        bind.execute(
            sa.update(log).where(log.c.id == row.id).values(prev_hash=previous, hash=digest)
        )
        previous = digest


def _utc(value: Any) -> datetime:
    if isinstance(value, str):  # SQLite without the column type's help
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _details(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else dict(value or {})


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
    # Plain ALTER TABLE on both (SQLite 3.35+): batch mode would rebuild the table on SQLite
    # and lose its triggers.
    op.execute("ALTER TABLE audit_log DROP COLUMN hash")
    op.execute("ALTER TABLE audit_log DROP COLUMN prev_hash")
