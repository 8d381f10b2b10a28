"""Guidance: questions answered per topic per day, and inline shares (counts only).

Revision ID: q0002_issue_18
Revises: q0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "q0002_issue_18"
down_revision = "q0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "guidance_daily_counts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "kind", "topic", name=op.f("pk_guidance_daily_counts")),
    )


def downgrade() -> None:
    op.drop_table("guidance_daily_counts")
