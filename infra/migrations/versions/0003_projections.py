"""Projection read models: documents by generation, per-tenant checkpoints, live pointers."""

from __future__ import annotations

from alembic import context, op

revision = "0003_projections"
down_revision = "0002_records"
branch_labels = None
depends_on = None

#: What this revision runs, one statement each, frozen: history never changes. `{app_role}`
#: stands for the application role's quoted name.
UPGRADE = [
    """CREATE TABLE projection_generations (
    tenant_id            uuid NOT NULL,
    projection           text NOT NULL,
    live_generation      integer NOT NULL CHECK (live_generation > 0),
    live_version         integer NOT NULL,
    building_generation  integer,
    building_version     integer,
    swapped_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, projection),
    CHECK ((building_generation IS NULL) = (building_version IS NULL)),
    CHECK (building_generation IS NULL OR building_generation > live_generation)
);""",
    """CREATE TABLE projection_checkpoints (
    tenant_id   uuid NOT NULL,
    projection  text NOT NULL,
    generation  integer NOT NULL,
    last_seq    bigint NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, projection, generation)
);""",
    """CREATE TABLE projection_documents (
    tenant_id   uuid NOT NULL,
    projection  text NOT NULL,
    generation  integer NOT NULL,
    doc_id      text NOT NULL,
    doc         jsonb NOT NULL,
    PRIMARY KEY (tenant_id, projection, generation, doc_id)
);""",
    "ALTER TABLE projection_generations ENABLE ROW LEVEL SECURITY;",
    "ALTER TABLE projection_generations FORCE ROW LEVEL SECURITY;",
    """CREATE POLICY projection_generations_tenant_isolation ON projection_generations
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);""",
    "ALTER TABLE projection_checkpoints ENABLE ROW LEVEL SECURITY;",
    "ALTER TABLE projection_checkpoints FORCE ROW LEVEL SECURITY;",
    """CREATE POLICY projection_checkpoints_tenant_isolation ON projection_checkpoints
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);""",
    "ALTER TABLE projection_documents ENABLE ROW LEVEL SECURITY;",
    "ALTER TABLE projection_documents FORCE ROW LEVEL SECURITY;",
    """CREATE POLICY projection_documents_tenant_isolation ON projection_documents
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);""",
    "GRANT SELECT, INSERT, UPDATE ON projection_generations TO {app_role};",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON projection_checkpoints, projection_documents TO {app_role};",
]

#: What its downgrade runs.
DOWNGRADE = [
    "DROP TABLE IF EXISTS projection_documents, projection_checkpoints, projection_generations",
]


def upgrade_sql(app_role: str) -> list[str]:
    return [statement.replace("{app_role}", app_role) for statement in UPGRADE]


def upgrade() -> None:
    for statement in upgrade_sql(f'"{context.config.attributes["app_role"]}"'):
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
