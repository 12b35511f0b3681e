"""The event store's schema as it is now: tables, append functions, immutability triggers,
row-level security and the application role's grants, as SQL.

This is what a reader reads to learn the schema; the migrations (infra/migrations) are its
history, each frozen as it ran, and tests/integration/test_migrations.py proves that they arrive
at exactly this (infra/schema.py puts every package's part together). It takes the application
role's name so the eventstore stays free of deployment settings. Every unique key starts with
`tenant_id`.
"""

from __future__ import annotations

from eventstore import append_many_sql, append_sql, lock_sql
from eventstore.binding import TENANT_SETTING

#: Tables that hold tenant rows; each gets RLS enabled, forced and a fail-closed policy.
TENANT_TABLES = (
    "tenant_heads",
    "events",
    "idempotency_keys",
    "subject_keys",
    "subject_erasures",
    "stream_heads",
)

#: Tables no role may change once a row is written.
APPEND_ONLY_TABLES = ("events", "idempotency_keys", "subject_erasures")

# Fail closed: with no tenant set the setting is '' or NULL, nullif makes it NULL, nothing matches.
CURRENT_TENANT = f"nullif(current_setting('{TENANT_SETTING}', true), '')::uuid"

TABLES = """
CREATE TABLE tenant_heads (
    tenant_id   uuid PRIMARY KEY,
    seq         bigint NOT NULL DEFAULT 0 CHECK (seq >= 0),
    chain_hash  bytea NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE events (
    tenant_id        uuid NOT NULL,
    seq              bigint NOT NULL CHECK (seq > 0),
    event_id         uuid NOT NULL,
    stream_type      text NOT NULL,
    stream_id        uuid NOT NULL,
    version          integer NOT NULL CHECK (version > 0),
    event_type       text NOT NULL,
    schema_version   integer NOT NULL DEFAULT 1,
    data             jsonb NOT NULL,
    personal         jsonb,
    subject_id       uuid,
    metadata         jsonb NOT NULL DEFAULT '{}'::jsonb,
    location_id      uuid,
    recorded_at      timestamptz NOT NULL,
    idempotency_key  text,
    chain_hash       bytea NOT NULL,
    CONSTRAINT events_pk PRIMARY KEY (tenant_id, seq),
    CONSTRAINT events_stream_version_uq UNIQUE (tenant_id, stream_id, version),
    CONSTRAINT events_event_id_uq UNIQUE (tenant_id, event_id)
);
CREATE INDEX events_location_idx ON events (tenant_id, location_id, seq)
    WHERE location_id IS NOT NULL;
CREATE INDEX events_subject_idx ON events (tenant_id, subject_id) WHERE subject_id IS NOT NULL;
CREATE INDEX events_recorded_at_idx ON events (tenant_id, recorded_at);

CREATE TABLE idempotency_keys (
    tenant_id        uuid NOT NULL,
    idempotency_key  text NOT NULL,
    request_hash     text NOT NULL,
    stream_id        uuid NOT NULL,
    stream_version   integer NOT NULL,
    last_seq         bigint NOT NULL,
    recorded_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, idempotency_key)
);

CREATE TABLE subject_keys (
    tenant_id    uuid NOT NULL,
    subject_id   uuid NOT NULL,
    wrapped_key  bytea NOT NULL,
    kek_id       text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, subject_id)
);

CREATE TABLE subject_erasures (
    tenant_id   uuid NOT NULL,
    subject_id  uuid NOT NULL,
    erased_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, subject_id)
);
"""

# Each stream's version and type, checked and advanced by every append (eventstore/append_sql.py
# says why). fillfactor: room on each page for the new row version, so that advancing a head stays
# a HOT update (no index entry written), as it does for tenant_heads.
STREAM_HEADS = """
CREATE TABLE stream_heads (
    tenant_id    uuid NOT NULL,
    stream_id    uuid NOT NULL,
    stream_type  text NOT NULL,
    version      integer NOT NULL CHECK (version > 0),
    PRIMARY KEY (tenant_id, stream_id)
) WITH (fillfactor = 80);
"""

IMMUTABILITY = """
CREATE FUNCTION eventstore_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'table % is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
"""


def immutability_triggers(table: str) -> str:
    return f"""
CREATE TRIGGER {table}_no_update_delete BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION eventstore_reject_change();
CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION eventstore_reject_change();
"""


def tenant_policy(table: str) -> str:
    return f"""
ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
CREATE POLICY {table}_tenant_isolation ON {table}
    USING (tenant_id = {CURRENT_TENANT})
    WITH CHECK (tenant_id = {CURRENT_TENANT});
"""


def split_statements(sql: str) -> list[str]:
    """One SQL statement each (drivers prepare statements one at a time); `$$` bodies kept whole."""
    statements, lines, in_body = [], [], False
    for line in sql.splitlines():
        lines.append(line)
        in_body ^= line.count("$$") % 2 == 1
        if not in_body and line.rstrip().endswith(";"):
            statements.append("\n".join(lines).strip())
            lines = []
    if "\n".join(lines).strip():
        statements.append("\n".join(lines).strip())
    return statements


#: The functions, in the order they are created, and their signatures (for the grants).
FUNCTIONS = (
    lock_sql.BEGIN_APPEND_FUNCTION,
    append_sql.APPEND_ONE_FUNCTION,
    append_sql.APPEND_FUNCTION,
    lock_sql.SUBJECT_KEYS_FUNCTION,
    append_many_sql.APPEND_MANY_FUNCTION,
)
SIGNATURES = (
    "eventstore_begin_append(uuid, uuid, text)",
    "eventstore_append_one(uuid, text, uuid, integer, text, text, text, timestamptz, uuid, text,"
    " integer, text, text, uuid, uuid, bytea, bytea, text)",
    "eventstore_append(uuid, text, uuid, integer, text, text, text, timestamptz, uuid[], text[],"
    " integer[], text[], text[], uuid[], uuid[], bytea[], uuid[], uuid[], bytea[], text)",
    "eventstore_subject_keys(uuid, uuid[], boolean)",
    append_many_sql.SIGNATURE,
)


def grants(app_role: str) -> str:
    functions = SIGNATURES
    return f"""
GRANT SELECT, INSERT ON events, idempotency_keys, subject_erasures TO {app_role};
GRANT SELECT, INSERT, UPDATE ON tenant_heads, stream_heads TO {app_role};
GRANT SELECT, INSERT, DELETE ON subject_keys TO {app_role};
""" + "".join(
        f"REVOKE ALL ON FUNCTION {f} FROM PUBLIC;\nGRANT EXECUTE ON FUNCTION {f} TO {app_role};\n"
        for f in functions
    )


def schema_sql(app_role: str) -> list[str]:
    """Every statement that creates the event store's schema as it is now, one per item."""
    parts = [TABLES, STREAM_HEADS, *FUNCTIONS]
    parts += [IMMUTABILITY, *(immutability_triggers(t) for t in APPEND_ONLY_TABLES)]
    parts.append(
        """
CREATE TRIGGER subject_keys_no_update BEFORE UPDATE ON subject_keys
    FOR EACH ROW EXECUTE FUNCTION eventstore_reject_change();
"""
    )
    parts += [tenant_policy(t) for t in TENANT_TABLES]
    parts.append(grants(app_role))
    return [statement for part in parts for statement in split_statements(part)]
