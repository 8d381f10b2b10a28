"""Signatures: the day the registry this bot reads last changed a key's status.

/status says "revoked: marked so in the registry on <date>" instead of showing a revoked key's
validity dates as if it were active. Rows imported before this revision have no date (NULL) and
are shown without one.

Revision ID: s0002
Revises: s0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0002"
down_revision = "s0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("certificates") as batch:
        batch.add_column(sa.Column("status_since", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("certificates") as batch:
        batch.drop_column("status_since")
