"""Signed heads (services/trail/)."""

from __future__ import annotations

from alembic import context, op

from services.trail import schema

revision = "0008_trail"
down_revision = "0007_access"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in schema.upgrade_sql(f'"{context.config.attributes["app_role"]}"'):
        op.execute(statement)


def downgrade() -> None:
    for statement in schema.DOWNGRADE_SQL:
        op.execute(statement)
