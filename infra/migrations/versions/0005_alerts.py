"""Alerts read model, subscriptions and deliveries (services/alerts/)."""

from __future__ import annotations

from alembic import context, op

from services.alerts import delivery_schema

revision = "0005_alerts"
down_revision = "0004_workers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _deliveries_upgrade()


def downgrade() -> None:
    _deliveries_downgrade()


def _deliveries_upgrade() -> None:
    """Alert deliveries and the fan-out checkpoint (services/alerts/delivery_schema.py)."""
    for statement in delivery_schema.upgrade_sql(f'"{context.config.attributes["app_role"]}"'):
        op.execute(statement)


def _deliveries_downgrade() -> None:
    for statement in delivery_schema.DOWNGRADE_SQL:
        op.execute(statement)
