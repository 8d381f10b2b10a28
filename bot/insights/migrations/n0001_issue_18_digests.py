"""Insights: the weekly digest's claims (one row per week sent).

Revision ID: n0001_issue_18
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.db.base import UtcDateTime

revision = "n0001_issue_18"
down_revision = "0001"
branch_labels = ("insights",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "insights_weekly_digests",
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("claimed_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("week", name=op.f("pk_insights_weekly_digests")),
    )


def downgrade() -> None:
    op.drop_table("insights_weekly_digests")
