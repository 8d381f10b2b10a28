"""Broadcasts: subscribers, campaigns and the delivery outbox.

Revision ID: b0001
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.db.base import UtcDateTime

revision = "b0001"
down_revision = "0001"
branch_labels = ("broadcasts",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "broadcast_subscribers",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_type", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("subscribed_by", sa.BigInteger(), nullable=True),
        sa.Column("subscribed_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_broadcast_subscribers")),
    )
    op.create_index(op.f("ix_broadcast_subscribers_status"), "broadcast_subscribers", ["status"])
    op.create_table(
        "broadcast_campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=True),
        sa.Column("finished_at", UtcDateTime(), nullable=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("report_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("report_lang", sa.String(length=2), nullable=False),
        sa.Column("progress_message_id", sa.Integer(), nullable=True),
        sa.Column("reported_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcast_campaigns")),
    )
    op.create_index(op.f("ix_broadcast_campaigns_state"), "broadcast_campaigns", ["state"])
    op.create_table(
        "broadcast_deliveries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["broadcast_campaigns.id"],
            name=op.f("fk_broadcast_deliveries_campaign_id_broadcast_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcast_deliveries")),
        sa.UniqueConstraint(
            "campaign_id", "chat_id", name=op.f("uq_broadcast_deliveries_campaign_id")
        ),
    )
    op.create_index(
        "ix_broadcast_deliveries_campaign_state",
        "broadcast_deliveries",
        ["campaign_id", "state", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_broadcast_deliveries_campaign_state", table_name="broadcast_deliveries")
    op.drop_table("broadcast_deliveries")
    op.drop_index(op.f("ix_broadcast_campaigns_state"), table_name="broadcast_campaigns")
    op.drop_table("broadcast_campaigns")
    op.drop_index(op.f("ix_broadcast_subscribers_status"), table_name="broadcast_subscribers")
    op.drop_table("broadcast_subscribers")
