"""External viewers: grants, access log, external-organisation RLS (services/access/)."""

from __future__ import annotations

revision = "0007_access"
down_revision = "0006_auth"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
