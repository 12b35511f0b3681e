"""Authentication: identity links and API keys are event-sourced records (in `events` and the
`records` index, under row-level security like every record); this adds their lookup index."""

from __future__ import annotations

from alembic import op

revision = "0006_auth"
down_revision = "0005_alerts"
branch_labels = None
depends_on = None

#: What this revision runs, one statement each, frozen: history never changes.
UPGRADE = [
    "CREATE INDEX records_login_digest_idx ON records (tenant_id, (summary ->> 'digest')) WHERE collection = 'identity-links'",
]

#: What its downgrade runs.
DOWNGRADE = [
    "DROP INDEX IF EXISTS records_login_digest_idx",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
