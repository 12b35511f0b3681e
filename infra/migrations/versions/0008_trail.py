"""Signed heads (services/trail/)."""

from __future__ import annotations

from alembic import context, op

revision = "0008_trail"
down_revision = "0007_access"
branch_labels = None
depends_on = None

#: What this revision runs, one statement each, frozen: history never changes. `{app_role}`
#: stands for the application role's quoted name.
UPGRADE = [
    """CREATE TABLE signed_heads (
    tenant_id   uuid NOT NULL,
    seq         bigint NOT NULL CHECK (seq > 0),
    chain_hash  bytea NOT NULL,
    root_hash   bytea NOT NULL,
    signed_at   timestamptz NOT NULL,
    key_id      text NOT NULL,
    signature   bytea NOT NULL,
    PRIMARY KEY (tenant_id, seq, key_id)
);""",
    """CREATE TRIGGER signed_heads_no_update_delete BEFORE UPDATE OR DELETE ON signed_heads
    FOR EACH ROW EXECUTE FUNCTION eventstore_reject_change();""",
    """CREATE TRIGGER signed_heads_no_truncate BEFORE TRUNCATE ON signed_heads
    FOR EACH STATEMENT EXECUTE FUNCTION eventstore_reject_change();""",
    "ALTER TABLE signed_heads ENABLE ROW LEVEL SECURITY;",
    "ALTER TABLE signed_heads FORCE ROW LEVEL SECURITY;",
    """CREATE POLICY signed_heads_tenant_isolation ON signed_heads
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);""",
    "GRANT SELECT, INSERT ON signed_heads TO {app_role};",
]

#: What its downgrade runs.
DOWNGRADE = [
    "DROP TABLE IF EXISTS signed_heads",
]


def upgrade_sql(app_role: str) -> list[str]:
    return [statement.replace("{app_role}", app_role) for statement in UPGRADE]


def upgrade() -> None:
    for statement in upgrade_sql(f'"{context.config.attributes["app_role"]}"'):
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
