"""The external-read policies' conditions behind a CASE (services/access/schema.py says why), so
that the planner no longer turns a table's policies into a bitmap OR scan of the whole tenant."""

from __future__ import annotations

from alembic import op

from services.access.schema import GUARDED_POLICIES, UNGUARDED_POLICIES

revision = "0013_external_read_plans"
down_revision = "0012_stream_heads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in GUARDED_POLICIES:
        op.execute(statement)


def downgrade() -> None:
    for statement in UNGUARDED_POLICIES:
        op.execute(statement)
