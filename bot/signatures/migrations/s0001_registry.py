"""Signatures: the certificate registry, verified phones, expiry reminders.

Revision ID: s0001
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.db.base import UtcDateTime

revision = "s0001"
down_revision = "0001"
branch_labels = ("signatures",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial_number", sa.String(length=64), nullable=False),
        sa.Column("iin", sa.String(length=12), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("phone_hash", sa.String(length=64), nullable=False),
        sa.Column("key_type", sa.String(length=8), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("org_bin", sa.String(length=12), nullable=True),
        sa.Column("org_name", sa.String(length=300), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("serial_number", name=op.f("uq_certificates_serial_number")),
    )
    for column in ("iin", "phone_hash", "valid_to", "org_bin"):
        op.create_index(op.f(f"ix_certificates_{column}"), "certificates", [column])
    op.create_table(
        "verified_phones",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("phone_hash", sa.String(length=64), nullable=False),
        sa.Column("verified_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_verified_phones")),
    )
    op.create_index(op.f("ix_verified_phones_phone_hash"), "verified_phones", ["phone_hash"])
    op.create_table(
        "expiry_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("days_before", sa.Integer(), nullable=False),
        sa.Column("sent_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_expiry_reminders_certificate_id_certificates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expiry_reminders")),
        sa.UniqueConstraint(
            "certificate_id",
            "user_id",
            "days_before",
            name=op.f("uq_expiry_reminders_certificate_id"),
        ),
    )
    op.create_index(
        op.f("ix_expiry_reminders_certificate_id"), "expiry_reminders", ["certificate_id"]
    )


def downgrade() -> None:
    op.drop_table("expiry_reminders")
    op.drop_table("verified_phones")
    op.drop_table("certificates")
