"""The dramatiq broker's tables (workers/): the queue of the default postgresql:// broker."""

from __future__ import annotations

from alembic import context, op

from workers import schema

revision = "0004_workers"
down_revision = "0003_projections"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in schema.upgrade_sql(f'"{context.config.attributes["app_role"]}"'):
        op.execute(statement)


def downgrade() -> None:
    for statement in schema.DOWNGRADE_SQL:
        op.execute(statement)
