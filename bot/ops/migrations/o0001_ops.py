"""Operations: processed update ids (de-duplication) and per-user flood state.

Revision ID: o0001
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.db.base import UtcDateTime

revision = "o0001"
down_revision = "0002"
branch_labels = ("ops",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "processed_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("seen_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_processed_updates")),
    )
    op.create_index(
        op.f("ix_processed_updates_seen_at"), "processed_updates", ["seen_at"], unique=False
    )
    op.create_table(
        "flood_states",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("window_start", UtcDateTime(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("muted_until", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_flood_states")),
    )


def downgrade() -> None:
    op.drop_table("flood_states")
    op.drop_index(op.f("ix_processed_updates_seen_at"), table_name="processed_updates")
    op.drop_table("processed_updates")
