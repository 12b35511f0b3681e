"""One row per broker and tenant whose `catch_up_tenant` nudge is sent and not yet taken by a
worker (workers/nudge.py): the API sends another only when there is none, so under sustained
writes each broker's queue holds at most one nudge per tenant. Ids only, like dramatiq.queue, so
it lives in the dramatiq schema without row-level security. This revision's SQL is its own."""

from __future__ import annotations

from alembic import context, op

revision = "0014_pending_nudges"
down_revision = "0013_external_read_plans"
branch_labels = None
depends_on = None


def upgrade() -> None:
    app_role = f'"{context.config.attributes["app_role"]}"'
    op.execute(
        "CREATE TABLE dramatiq.pending_nudges ("
        " broker text NOT NULL,"
        " tenant_id uuid NOT NULL,"
        " sent_at timestamptz NOT NULL DEFAULT now(),"
        " PRIMARY KEY (broker, tenant_id))"
    )
    op.execute("CREATE INDEX ON dramatiq.pending_nudges (tenant_id)")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON dramatiq.pending_nudges TO {app_role}")


def downgrade() -> None:
    op.execute("DROP TABLE dramatiq.pending_nudges")
