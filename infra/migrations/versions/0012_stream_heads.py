"""stream_heads: each stream's version and type, checked and advanced by every append in one
primary-key statement instead of a lookup in events whose plan depended on the statistics
(eventstore/stream_heads_sql.py says why). Filled from the events already stored."""

from __future__ import annotations

from alembic import context, op

from eventstore.stream_heads_sql import DOWNGRADE_0012, upgrade_0012

revision = "0012_stream_heads"
down_revision = "0011_projection_summaries"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in upgrade_0012(f'"{context.config.attributes["app_role"]}"'):
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE_0012:
        op.execute(statement)
