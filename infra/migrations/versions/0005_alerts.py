"""Alerts read model, subscriptions and deliveries (services/alerts/)."""

from __future__ import annotations

revision = "0005_alerts"
down_revision = "0004_workers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
