"""Projection documents may carry a compact summary (projections/schema.py SUMMARY_SQL): the
group overview reads each home's summary instead of its whole dashboard document."""

from __future__ import annotations

from alembic import op

from projections import schema

revision = "0011_projection_summaries"
down_revision = "0010_group_commit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in schema.SUMMARY_SQL:
        op.execute(statement)


def downgrade() -> None:
    for statement in schema.SUMMARY_DOWNGRADE_SQL:
        op.execute(statement)
