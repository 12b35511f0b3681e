"""The append path's plpgsql functions, revised (eventstore/append_sql.py)."""

from __future__ import annotations

revision = "0009_append_path"
down_revision = "0008_trail"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
