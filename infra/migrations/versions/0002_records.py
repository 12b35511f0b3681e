"""Inline read models of the records: index, counters, replayable POSTs, organisations, users."""

from __future__ import annotations

from alembic import context, op

from services.kernel import schema

revision = "0002_records"
down_revision = "0001_eventstore"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in schema.upgrade_sql(f'"{context.config.attributes["app_role"]}"'):
        op.execute(statement)


def downgrade() -> None:
    for statement in schema.DOWNGRADE_SQL:
        op.execute(statement)
