"""Tables the command path keeps in step with the events, in the same transaction (inline
projections): the record index behind lists, reference counters, replayable POSTs, the
organisation registry and the user directory. All rebuildable from the event log."""

from __future__ import annotations

from eventstore.schema import split_statements, tenant_policy

TENANT_TABLES = ("records", "reference_counters", "http_idempotency", "users")

TABLES = """
CREATE TABLE records (
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
);
CREATE INDEX records_list_idx ON records (tenant_id, collection, created_at, record_id);
CREATE INDEX records_location_idx ON records (tenant_id, collection, location_id, created_at);

CREATE TABLE reference_counters (
    tenant_id  uuid NOT NULL,
    name       text NOT NULL,
    value      bigint NOT NULL,
    PRIMARY KEY (tenant_id, name)
);

CREATE TABLE http_idempotency (
    tenant_id        uuid NOT NULL,
    idempotency_key  text NOT NULL,
    fingerprint      text NOT NULL,
    status           integer NOT NULL,
    collection       text NOT NULL,
    record_id        uuid NOT NULL,
    version          integer NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, idempotency_key)
);

CREATE TABLE organisations (
    organisation_id  uuid PRIMARY KEY,
    kind             text NOT NULL CHECK (kind IN ('provider', 'local_authority', 'regulator')),
    name             text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    tenant_id     uuid NOT NULL,
    user_id       uuid NOT NULL,
    email_digest  text NOT NULL,
    roles         text[] NOT NULL,
    location_ids  uuid[] NOT NULL DEFAULT '{}',
    active        boolean NOT NULL DEFAULT true,
    version       integer NOT NULL,
    PRIMARY KEY (tenant_id, user_id),
    UNIQUE (tenant_id, email_digest)
);
"""


def grants(app_role: str) -> str:
    return f"""
GRANT SELECT, INSERT, UPDATE ON records, reference_counters, users TO {app_role};
GRANT SELECT, INSERT ON http_idempotency, organisations TO {app_role};
"""


def schema_sql(app_role: str) -> list[str]:
    """These tables as they are now, one statement each (infra/schema.py)."""
    parts = [TABLES, *(tenant_policy(t) for t in TENANT_TABLES), grants(app_role)]
    return [statement for part in parts for statement in split_statements(part)]
