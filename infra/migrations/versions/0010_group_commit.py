"""eventstore_append_many: concurrent appends of one process committed as one statement (group
commit, eventstore/append_many_sql.py). Only adds a function; the tables are unchanged."""

from __future__ import annotations

from alembic import context, op

revision = "0010_group_commit"
down_revision = "0009_append_path"
branch_labels = None
depends_on = None

#: What this revision runs, one statement each, frozen: history never changes. `{app_role}`
#: stands for the application role's quoted name.
UPGRADE = [
    r"""CREATE FUNCTION eventstore_append_many(
    p_tenants uuid[], p_stream_types text[], p_streams uuid[], p_expected integer[],
    p_idempotency_keys text[], p_request_hashes text[], p_metadata text[],
    p_recorded_at timestamptz[], p_event_ids uuid[], p_event_types text[],
    p_schema_versions integer[], p_data text[], p_location_ids uuid[], p_event_hashes bytea[])
RETURNS TABLE (entry integer, error text, detail text, stream_version integer, last_seq bigint,
               duplicate boolean)
LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
DECLARE
    v_count integer := cardinality(p_tenants);
    v_tenant uuid;
    v_seq bigint;
    v_hash bytea;
    v_current integer;
    v_type text;
    v_prior record;
BEGIN
    IF v_count IS NULL OR v_count = 0 OR array_position(p_expected, NULL) IS NOT NULL
       OR array_position(p_tenants, NULL) IS NOT NULL
       OR cardinality(p_stream_types) <> v_count OR cardinality(p_streams) <> v_count
       OR cardinality(p_expected) <> v_count OR cardinality(p_idempotency_keys) <> v_count
       OR cardinality(p_request_hashes) <> v_count OR cardinality(p_metadata) <> v_count
       OR cardinality(p_recorded_at) <> v_count OR cardinality(p_event_ids) <> v_count
       OR cardinality(p_event_types) <> v_count OR cardinality(p_schema_versions) <> v_count
       OR cardinality(p_data) <> v_count OR cardinality(p_location_ids) <> v_count
       OR cardinality(p_event_hashes) <> v_count THEN
        RAISE EXCEPTION 'eventstore_append_many: no entries, uneven arrays or no expected version'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR i IN 1 .. v_count LOOP
        IF v_tenant IS DISTINCT FROM p_tenants[i] THEN
            IF v_tenant > p_tenants[i] THEN
                RAISE EXCEPTION 'eventstore_append_many: entries not sorted by tenant'
                    USING ERRCODE = 'invalid_parameter_value';
            END IF;
            v_tenant := p_tenants[i];
            PERFORM set_config('app.tenant_id', v_tenant::text, true);
        END IF;
        entry := i;
        error := NULL;
        detail := NULL;
        stream_version := NULL;
        last_seq := NULL;
        duplicate := false;
        -- The checks. Each statement takes a fresh snapshot that includes this batch's earlier
        -- entries. Before the entry's tenant is locked they read committed state, where a
        -- refusal is final (versions only grow, a stream never changes type, a stored key's
        -- answer never changes); an entry that passes and is then overtaken by another append
        -- of its stream or key before the lock is taken fails the unique key of events or
        -- idempotency_keys, and the whole statement raises (the client then appends each entry
        -- alone, under the lock).
        IF p_idempotency_keys[i] IS NOT NULL THEN
            SELECT k.request_hash, k.stream_version, k.last_seq INTO v_prior
              FROM idempotency_keys k
             WHERE k.tenant_id = v_tenant AND k.idempotency_key = p_idempotency_keys[i];
            IF FOUND THEN
                IF v_prior.request_hash IS DISTINCT FROM p_request_hashes[i] THEN
                    error := 'CT003';
                ELSE
                    stream_version := v_prior.stream_version;
                    last_seq := v_prior.last_seq;
                    duplicate := true;
                END IF;
                RETURN NEXT;
                CONTINUE;
            END IF;
        END IF;
        SELECT e.version, e.stream_type INTO v_current, v_type
          FROM events e WHERE e.tenant_id = v_tenant AND e.stream_id = p_streams[i]
         ORDER BY e.version DESC LIMIT 1;
        IF coalesce(v_current, 0) <> p_expected[i] THEN
            error := 'CT001';
            detail := coalesce(v_current, 0)::text;
            RETURN NEXT;
            CONTINUE;
        END IF;
        IF v_type <> p_stream_types[i] THEN  -- NULL, so false, for a new stream
            error := 'CT002';
            detail := v_type;
            RETURN NEXT;
            CONTINUE;
        END IF;

        UPDATE tenant_heads h SET seq = h.seq + 1, chain_hash = sha256(h.chain_hash || p_event_hashes[i]), updated_at = now()
         WHERE h.tenant_id = v_tenant
        RETURNING h.seq, h.chain_hash INTO v_seq, v_hash;
        IF NOT FOUND THEN
            INSERT INTO tenant_heads AS h (tenant_id, seq, chain_hash)
            VALUES (v_tenant, 1, sha256('\x0000000000000000000000000000000000000000000000000000000000000000'::bytea || p_event_hashes[i]))
            ON CONFLICT DO NOTHING
            RETURNING h.seq, h.chain_hash INTO v_seq, v_hash;
            IF NOT FOUND THEN
                UPDATE tenant_heads h SET seq = h.seq + 1, chain_hash = sha256(h.chain_hash || p_event_hashes[i]), updated_at = now()
                 WHERE h.tenant_id = v_tenant
                RETURNING h.seq, h.chain_hash INTO v_seq, v_hash;
            END IF;
        END IF;
        INSERT INTO events (tenant_id, seq, event_id, stream_type, stream_id, version, event_type,
                        schema_version, data, personal, subject_id, metadata, location_id,
                        recorded_at, idempotency_key, chain_hash)
        VALUES (v_tenant, v_seq, p_event_ids[i], p_stream_types[i], p_streams[i],
                p_expected[i] + 1, p_event_types[i], p_schema_versions[i], p_data[i]::jsonb,
                NULL, NULL, p_metadata[i]::jsonb, p_location_ids[i], p_recorded_at[i],
                p_idempotency_keys[i], v_hash);
        IF p_idempotency_keys[i] IS NOT NULL THEN
            INSERT INTO idempotency_keys (tenant_id, idempotency_key, request_hash, stream_id,
                                          stream_version, last_seq)
            VALUES (v_tenant, p_idempotency_keys[i], p_request_hashes[i], p_streams[i],
                    p_expected[i] + 1, v_seq);
        END IF;
        stream_version := p_expected[i] + 1;
        last_seq := v_seq;
        RETURN NEXT;
    END LOOP;
END $$;""",
    "REVOKE ALL ON FUNCTION eventstore_append_many(uuid[], text[], uuid[], integer[], text[], text[], text[], timestamptz[], uuid[], text[], integer[], text[], uuid[], bytea[]) FROM PUBLIC",
    "GRANT EXECUTE ON FUNCTION eventstore_append_many(uuid[], text[], uuid[], integer[], text[], text[], text[], timestamptz[], uuid[], text[], integer[], text[], uuid[], bytea[]) TO {app_role}",
]

#: What its downgrade runs.
DOWNGRADE = [
    "DROP FUNCTION IF EXISTS eventstore_append_many(uuid[], text[], uuid[], integer[], text[], text[], text[], timestamptz[], uuid[], text[], integer[], text[], uuid[], bytea[])",
]


def upgrade_sql(app_role: str) -> list[str]:
    return [statement.replace("{app_role}", app_role) for statement in UPGRADE]


def upgrade() -> None:
    for statement in upgrade_sql(f'"{context.config.attributes["app_role"]}"'):
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
