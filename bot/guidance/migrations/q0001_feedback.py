"""Guidance: votes on answers and unmatched questions.

Revision ID: q0001
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.db.base import UtcDateTime

revision = "q0001"
down_revision = "0001"
branch_labels = ("guidance",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "guidance_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guidance_votes")),
        sa.UniqueConstraint("chat_id", "message_id", name=op.f("uq_guidance_votes_chat_id")),
    )
    op.create_index(op.f("ix_guidance_votes_topic"), "guidance_votes", ["topic"])
    op.create_table(
        "guidance_unmatched",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_seen", UtcDateTime(), nullable=False),
        sa.Column("last_seen", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guidance_unmatched")),
        sa.UniqueConstraint("text", name=op.f("uq_guidance_unmatched_text")),
    )
    op.create_index(op.f("ix_guidance_unmatched_last_seen"), "guidance_unmatched", ["last_seen"])


def downgrade() -> None:
    op.drop_table("guidance_unmatched")
    op.drop_table("guidance_votes")
