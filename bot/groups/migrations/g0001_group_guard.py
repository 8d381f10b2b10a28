"""Work-chat guard: per-group switch, caught messages, warning cooldowns.

Revision ID: g0001
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.db.base import UtcDateTime

revision = "g0001"
down_revision = "0001"
branch_labels = ("groups",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "group_guards",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=True),
        sa.Column("changed_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_group_guards")),
    )
    op.create_table(
        "group_catches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("warned", sa.Boolean(), nullable=False),
        sa.Column("caught_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_catches")),
    )
    op.create_index(op.f("ix_group_catches_chat_id"), "group_catches", ["chat_id"])
    op.create_index(op.f("ix_group_catches_caught_at"), "group_catches", ["caught_at"])
    op.create_table(
        "group_warning_cooldowns",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("sender_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("warned_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "sender_id", name=op.f("pk_group_warning_cooldowns")),
    )


def downgrade() -> None:
    op.drop_table("group_warning_cooldowns")
    op.drop_index(op.f("ix_group_catches_caught_at"), table_name="group_catches")
    op.drop_index(op.f("ix_group_catches_chat_id"), table_name="group_catches")
    op.drop_table("group_catches")
    op.drop_table("group_guards")
