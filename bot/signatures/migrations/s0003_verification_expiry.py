"""Signatures: index verified_phones.verified_at (lapsed verifications are purged by it).

Revision ID: s0003_verification_expiry
Revises: s0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "s0003_verification_expiry"
down_revision = "s0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_verified_phones_verified_at"), "verified_phones", ["verified_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_verified_phones_verified_at"), table_name="verified_phones")
