"""Operations: the send budget shared by instances, per-group allowances, the CLI's outbox.

Revision ID: o0002_issue_14a
Revises: o0001
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.db.base import UtcDateTime

revision = "o0002_issue_14a"
down_revision = "o0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "send_budget",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("next_slot", sa.BigInteger(), nullable=False),
        sa.Column("granted", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_send_budget")),
    )
    op.create_table(
        "send_group_budget",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("stamp", sa.Float(), nullable=False),
        sa.Column("taken", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("name", "chat_id", name=op.f("pk_send_group_budget")),
    )
    op.create_table(
        "outgoing_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.Column("sent_at", UtcDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("failed", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_messages")),
    )
    op.create_index(op.f("ix_outgoing_messages_due_at"), "outgoing_messages", ["due_at"])
    op.create_index(op.f("ix_outgoing_messages_sent_at"), "outgoing_messages", ["sent_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_outgoing_messages_sent_at"), table_name="outgoing_messages")
    op.drop_index(op.f("ix_outgoing_messages_due_at"), table_name="outgoing_messages")
    op.drop_table("outgoing_messages")
    op.drop_table("send_group_budget")
    op.drop_table("send_budget")
