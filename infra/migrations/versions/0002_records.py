"""Inline read models of the records: index, counters, replayable POSTs, organisations, users."""

from __future__ import annotations

from alembic import context, op

revision = "0002_records"
down_revision = "0001_eventstore"
branch_labels = None
depends_on = None

#: What this revision runs, one statement each, frozen: history never changes. `{app_role}`
#: stands for the application role's quoted name.
UPGRADE = [
    """CREATE TABLE records (
    tenant_id    uuid NOT NULL,
    collection   text NOT NULL,
    record_id    uuid NOT NULL,
    location_id  uuid,
    status       text NOT NULL,
    reference    text,
    key_date     timestamptz,
    version      integer NOT NULL,
    summary      jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, collection, record_id)
);""",
    "CREATE INDEX records_list_idx ON records (tenant_id, collection, created_at, record_id);",
    "CREATE INDEX records_location_idx ON records (tenant_id, collection, location_id, created_at);",
    """CREATE TABLE reference_counters (
    tenant_id  uuid NOT NULL,
    name       text NOT NULL,
    value      bigint NOT NULL,
    PRIMARY KEY (tenant_id, name)
);""",
    """CREATE TABLE http_idempotency (
    tenant_id        uuid NOT NULL,
    idempotency_key  text NOT NULL,
    fingerprint      text NOT NULL,
    status           integer NOT NULL,
    collection       text NOT NULL,
    record_id        uuid NOT NULL,
    version          integer NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, idempotency_key)
);""",
    """CREATE TABLE organisations (
    organisation_id  uuid PRIMARY KEY,
    kind             text NOT NULL CHECK (kind IN ('provider', 'local_authority', 'regulator')),
    name             text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);""",
    """CREATE TABLE users (
    tenant_id     uuid NOT NULL,
    user_id       uuid NOT NULL,
    email_digest  text NOT NULL,
    roles         text[] NOT NULL,
    location_ids  uuid[] NOT NULL DEFAULT '{}',
    active        boolean NOT NULL DEFAULT true,
    version       integer NOT NULL,
    PRIMARY KEY (tenant_id, user_id),
    UNIQUE (tenant_id, email_digest)
);""",
    "ALTER TABLE records ENABLE ROW LEVEL SECURITY;",
    "ALTER TABLE records FORCE ROW LEVEL SECURITY;",
    """CREATE POLICY records_tenant_isolation ON records
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);""",
    "ALTER TABLE reference_counters ENABLE ROW LEVEL SECURITY;",
    "ALTER TABLE reference_counters FORCE ROW LEVEL SECURITY;",
    """CREATE POLICY reference_counters_tenant_isolation ON reference_counters
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);""",
    "ALTER TABLE http_idempotency ENABLE ROW LEVEL SECURITY;",
    "ALTER TABLE http_idempotency FORCE ROW LEVEL SECURITY;",
    """CREATE POLICY http_idempotency_tenant_isolation ON http_idempotency
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);""",
    "ALTER TABLE users ENABLE ROW LEVEL SECURITY;",
    "ALTER TABLE users FORCE ROW LEVEL SECURITY;",
    """CREATE POLICY users_tenant_isolation ON users
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);""",
    "GRANT SELECT, INSERT, UPDATE ON records, reference_counters, users TO {app_role};",
    "GRANT SELECT, INSERT ON http_idempotency, organisations TO {app_role};",
]

#: What its downgrade runs.
DOWNGRADE = [
    "DROP TABLE IF EXISTS users, organisations, http_idempotency, reference_counters, records",
]


def upgrade_sql(app_role: str) -> list[str]:
    return [statement.replace("{app_role}", app_role) for statement in UPGRADE]


def upgrade() -> None:
    for statement in upgrade_sql(f'"{context.config.attributes["app_role"]}"'):
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
