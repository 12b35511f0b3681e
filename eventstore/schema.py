"""The event store's tables, row-level security, immutability triggers and grants, as SQL.

Migrations (infra/migrations) apply these; they take the application role's name so the
eventstore stays free of deployment settings. Every unique key starts with `tenant_id`.
"""

from __future__ import annotations

TENANT_SETTING = "app.tenant_id"

#: Tables that hold tenant rows; each gets RLS enabled, forced and a fail-closed policy.
TENANT_TABLES = ("tenant_heads", "events", "idempotency_keys", "subject_keys", "subject_erasures")

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

# One round trip to open an append: bind the tenant to this transaction, lock its head row
# (creating it on first use), then read the stream's version and any earlier use of the
# idempotency key. Each plpgsql statement takes a fresh snapshot, so what is read after the
# lock includes every append committed before it.
BEGIN_APPEND_FUNCTION = f"""
CREATE FUNCTION eventstore_begin_append(p_tenant uuid, p_stream uuid, p_idempotency_key text)
RETURNS TABLE (head_seq bigint, head_hash bytea, stream_version integer, stream_type text,
               prior_request_hash text, prior_stream_version integer, prior_last_seq bigint)
LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
BEGIN
    PERFORM set_config('{TENANT_SETTING}', p_tenant::text, true);
    SELECT h.seq, h.chain_hash INTO head_seq, head_hash
      FROM tenant_heads h WHERE h.tenant_id = p_tenant FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO tenant_heads (tenant_id, seq, chain_hash)
        VALUES (p_tenant, 0, '\\x{"00" * 32}'::bytea) ON CONFLICT DO NOTHING;
        SELECT h.seq, h.chain_hash INTO head_seq, head_hash
          FROM tenant_heads h WHERE h.tenant_id = p_tenant FOR UPDATE;
    END IF;
    SELECT coalesce(max(e.version), 0) INTO stream_version
      FROM events e WHERE e.tenant_id = p_tenant AND e.stream_id = p_stream;
    SELECT e.stream_type INTO stream_type
      FROM events e WHERE e.tenant_id = p_tenant AND e.stream_id = p_stream AND e.version = 1;
    IF p_idempotency_key IS NOT NULL THEN
        SELECT k.request_hash, k.stream_version, k.last_seq
          INTO prior_request_hash, prior_stream_version, prior_last_seq
          FROM idempotency_keys k
         WHERE k.tenant_id = p_tenant AND k.idempotency_key = p_idempotency_key;
    END IF;
    RETURN NEXT;
END $$;
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


def grants(app_role: str) -> str:
    return f"""
GRANT SELECT, INSERT ON events, idempotency_keys, subject_erasures TO {app_role};
GRANT SELECT, INSERT, UPDATE ON tenant_heads TO {app_role};
GRANT SELECT, INSERT, DELETE ON subject_keys TO {app_role};
GRANT EXECUTE ON FUNCTION eventstore_begin_append(uuid, uuid, text) TO {app_role};
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


def upgrade_sql(app_role: str) -> list[str]:
    """Every statement of the event store's first migration, in order, one per item."""
    parts = [TABLES, BEGIN_APPEND_FUNCTION, IMMUTABILITY]
    parts += [immutability_triggers(t) for t in APPEND_ONLY_TABLES]
    parts.append(
        """
CREATE TRIGGER subject_keys_no_update BEFORE UPDATE ON subject_keys
    FOR EACH ROW EXECUTE FUNCTION eventstore_reject_change();
"""
    )
    parts += [tenant_policy(t) for t in TENANT_TABLES]
    parts.append(grants(app_role))
    return [statement for part in parts for statement in split_statements(part)]


DOWNGRADE_SQL = [
    "DROP TABLE IF EXISTS subject_erasures, subject_keys, idempotency_keys, events, tenant_heads",
    "DROP FUNCTION IF EXISTS eventstore_begin_append(uuid, uuid, text)",
    "DROP FUNCTION IF EXISTS eventstore_reject_change()",
]
