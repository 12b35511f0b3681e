"""API keys (services/http/)."""

from __future__ import annotations

revision = "0006_auth"
down_revision = "0005_alerts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
