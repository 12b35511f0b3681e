"""The projection tables (documents, checkpoints, generations) with RLS and grants, as SQL.

Every projection shares one document table keyed `(tenant_id, projection, generation,
doc_id)`, rather than owning tables of its own. The runner runs as the application role,
which may not run DDL (migrations run as the owner; the API and workers never do), so a
rebuild cannot create fresh tables: it writes a new *generation* of rows instead and swaps
by moving the tenant's `live_generation` pointer in one transaction. Readers join on that
pointer, so they see the old generation until the swap commits and the new one after.
Per-projection indexes, when a view needs them, are expression indexes added by a migration.

A projection may keep a compact summary of each document beside it (`Projection.summary`,
projections/projection.py), which views read instead of the document: a separate column is
stored (and TOASTed) apart from `doc`, so reading it never touches the document. NULL where the
projection keeps none, or for rows written before a rebuild.
"""

from __future__ import annotations

from eventstore.schema import split_statements, tenant_policy

TENANT_TABLES = ("projection_generations", "projection_checkpoints", "projection_documents")

TABLES = """
CREATE TABLE projection_generations (
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
);

CREATE TABLE projection_checkpoints (
    tenant_id   uuid NOT NULL,
    projection  text NOT NULL,
    generation  integer NOT NULL,
    last_seq    bigint NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, projection, generation)
);

CREATE TABLE projection_documents (
    tenant_id   uuid NOT NULL,
    projection  text NOT NULL,
    generation  integer NOT NULL,
    doc_id      text NOT NULL,
    doc         jsonb NOT NULL,
    summary     jsonb,
    PRIMARY KEY (tenant_id, projection, generation, doc_id)
);
"""


def grants(app_role: str) -> str:
    return f"""
GRANT SELECT, INSERT, UPDATE ON projection_generations TO {app_role};
GRANT SELECT, INSERT, UPDATE, DELETE ON projection_checkpoints, projection_documents TO {app_role};
"""


def schema_sql(app_role: str) -> list[str]:
    """These tables as they are now, one statement each (infra/schema.py)."""
    parts = [TABLES, *(tenant_policy(t) for t in TENANT_TABLES), grants(app_role)]
    return [statement for part in parts for statement in split_statements(part)]
