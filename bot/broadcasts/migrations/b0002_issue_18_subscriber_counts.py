"""Broadcasts: active subscribers per day (a count, for the ministry's charts).

Revision ID: b0002_issue_18
Revises: b0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "b0002_issue_18"
down_revision = "b0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "broadcast_subscriber_counts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("active", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_broadcast_subscriber_counts")),
    )


def downgrade() -> None:
    op.drop_table("broadcast_subscriber_counts")
