"""eventstore_append_many: concurrent appends of one process committed as one statement (group
commit, eventstore/append_many_sql.py). Only adds a function; the tables are unchanged."""

from __future__ import annotations

from alembic import context, op

from eventstore.append_many_sql import DOWNGRADE_0010, upgrade_0010

revision = "0010_group_commit"
down_revision = "0009_append_path"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in upgrade_0010(f'"{context.config.attributes["app_role"]}"'):
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE_0010:
        op.execute(statement)
