"""Projection read models: documents by generation, per-tenant checkpoints, live pointers."""

from __future__ import annotations

from alembic import context, op

from projections import schema

revision = "0003_projections"
down_revision = "0002_records"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in schema.upgrade_sql(f'"{context.config.attributes["app_role"]}"'):
        op.execute(statement)


def downgrade() -> None:
    for statement in schema.DOWNGRADE_SQL:
        op.execute(statement)
