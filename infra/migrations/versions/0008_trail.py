"""Signed heads (services/trail/)."""

from __future__ import annotations

revision = "0008_trail"
down_revision = "0007_access"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
