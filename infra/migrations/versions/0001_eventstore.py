"""The event store: events, tenant heads, idempotency keys, subject keys; RLS and immutability."""

from __future__ import annotations

from alembic import context, op

from eventstore import migration as schema

revision = "0001_eventstore"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    app_role = context.config.attributes["app_role"]
    for statement in schema.upgrade_sql(f'"{app_role}"'):
        op.execute(statement)
    op.execute(f'GRANT SELECT ON alembic_version TO "{app_role}"')


def downgrade() -> None:
    for statement in schema.DOWNGRADE_SQL:
        op.execute(statement)
