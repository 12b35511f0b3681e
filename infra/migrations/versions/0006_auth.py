"""Authentication: identity links and API keys are event-sourced records (in `events` and the
`records` index, under row-level security like every record); this adds their lookup index."""

from __future__ import annotations

from alembic import op

from services.http import auth_schema

revision = "0006_auth"
down_revision = "0005_alerts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in auth_schema.UPGRADE_SQL:
        op.execute(statement)


def downgrade() -> None:
    for statement in auth_schema.DOWNGRADE_SQL:
        op.execute(statement)
