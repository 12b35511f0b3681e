"""The append path's plpgsql functions, revised (eventstore/append_sql.py): an append of one
event locks and advances its tenant's head in one UPDATE ... RETURNING."""

from __future__ import annotations

from alembic import op

from eventstore.append_sql import RESTORED_0009, REVISED_0009

revision = "0009_append_path"
down_revision = "0008_trail"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # CREATE OR REPLACE keeps the function's owner and grants (0001 granted EXECUTE to the app).
    for statement in REVISED_0009:
        op.execute(statement)


def downgrade() -> None:
    for statement in RESTORED_0009:
        op.execute(statement)
