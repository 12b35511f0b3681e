"""Projection documents may carry a compact summary (projections/schema.py): the
group overview reads each home's summary instead of its whole dashboard document."""

from __future__ import annotations

from alembic import op

revision = "0011_projection_summaries"
down_revision = "0010_group_commit"
branch_labels = None
depends_on = None

#: What this revision runs, one statement each, frozen: history never changes.
UPGRADE = [
    "ALTER TABLE projection_documents ADD COLUMN summary jsonb",
]

#: What its downgrade runs.
DOWNGRADE = [
    "ALTER TABLE projection_documents DROP COLUMN summary",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
