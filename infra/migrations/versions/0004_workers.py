"""The dramatiq broker's tables (workers/)."""

from __future__ import annotations

revision = "0004_workers"
down_revision = "0003_projections"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
