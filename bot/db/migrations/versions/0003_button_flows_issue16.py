"""Button flows: the nonce that keeps a cancelled or superseded flow's buttons from acting.

Revision ID: 0003_button_flows_issue16
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.db.base import UtcDateTime

revision = "0003_button_flows_issue16"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "button_flows",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=16), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "user_id", name=op.f("pk_button_flows")),
    )
    op.create_index(
        op.f("ix_button_flows_expires_at"), "button_flows", ["expires_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_button_flows_expires_at"), table_name="button_flows")
    op.drop_table("button_flows")
