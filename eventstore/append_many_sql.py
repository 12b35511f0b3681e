"""eventstore_append_many as it is now: many independent one-event appends in one statement,
which is how EventStore.append commits concurrent appends as a group (eventstore/group_commit.py).

Each entry is what eventstore_append_one takes (no personal data), as parallel arrays. Entries
come sorted by tenant (each tenant's in arrival order), so every batch, from any process, takes
head locks in one order and two batches cannot deadlock; the function refuses unsorted input.
Every entry is checked as eventstore_append_one checks it, but a refusal is RETURNED as that
entry's status (the SQLSTATE eventstore_append_one would raise, with its DETAIL), not raised:
the other entries still commit, and no subtransaction is needed. A stored entry advances its
tenant's head as eventstore_append_one does (one UPDATE ... RETURNING, which locks the head until
commit), so `seq` stays gapless and the chain links in commit order. Anything else that goes
wrong (a duplicate event id, say) raises and undoes the whole statement; the client then runs each
entry alone through eventstore_append_one. SECURITY INVOKER: row-level security and the caller's
grants apply to every statement, with the tenant bound as eventstore_append_one binds it.

Each entry is checked against its stream's `stream_heads` row with a plain lookup (and against
events when the two disagree) before its tenant is locked, and the row is advanced after the
tenant's head is locked; a stream that moved in between raises (see eventstore/append_sql.py on
why stream heads exist). A batch spans tenants, so unlike the other append functions this one
cannot be delegated to the one node that holds its tenant on Citus."""

from __future__ import annotations

from eventstore.append_sql import (
    EVENT_COLUMNS,
    GENESIS_HASH,
    IDEMPOTENCY_CONFLICT,
    WRONG_STREAM_TYPE,
    WRONG_VERSION,
)

# Lock the head and link the entry on, in one statement, as eventstore_append_one does (the
# UPDATE waits for any other append of the tenant to commit, then re-reads the row). A tenant's
# first append creates the row; if another creates it meanwhile, ON CONFLICT waits for that one
# to commit and the UPDATE is tried again.
_LINK = (
    "SET seq = h.seq + 1, chain_hash = sha256(h.chain_hash || p_event_hashes[i]),"
    " updated_at = now()"
)
_ADVANCE_HEAD = f"""
        UPDATE tenant_heads h {_LINK}
         WHERE h.tenant_id = v_tenant
        RETURNING h.seq, h.chain_hash INTO v_seq, v_hash;
        IF NOT FOUND THEN
            INSERT INTO tenant_heads AS h (tenant_id, seq, chain_hash)
            VALUES (v_tenant, 1, sha256({GENESIS_HASH} || p_event_hashes[i]))
            ON CONFLICT DO NOTHING
            RETURNING h.seq, h.chain_hash INTO v_seq, v_hash;
            IF NOT FOUND THEN
                UPDATE tenant_heads h {_LINK}
                 WHERE h.tenant_id = v_tenant
                RETURNING h.seq, h.chain_hash INTO v_seq, v_hash;
            END IF;
        END IF;"""

# After the entry's head is locked: a stream that moved since its check (or whose head disagreed
# with events) raises, and the client appends each entry alone, where eventstore_append_one sets
# such a head right. Every function locks the tenant's head first, then the stream, so none can
# deadlock another.
_ADVANCE_STREAM = """
        IF p_expected[i] = 0 THEN
            INSERT INTO stream_heads (tenant_id, stream_id, stream_type, version)
            VALUES (v_tenant, p_streams[i], p_stream_types[i], 1) ON CONFLICT DO NOTHING;
        ELSE
            UPDATE stream_heads s SET version = p_expected[i] + 1
             WHERE s.tenant_id = v_tenant AND s.stream_id = p_streams[i]
               AND s.version = p_expected[i] AND s.stream_type = p_stream_types[i];
        END IF;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'stream % was appended to after its check', p_streams[i]
                USING ERRCODE = 'serialization_failure';
        END IF;"""

APPEND_MANY_FUNCTION = f"""
CREATE FUNCTION eventstore_append_many(
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
                    error := '{IDEMPOTENCY_CONFLICT}';
                ELSE
                    stream_version := v_prior.stream_version;
                    last_seq := v_prior.last_seq;
                    duplicate := true;
                END IF;
                RETURN NEXT;
                CONTINUE;
            END IF;
        END IF;
        SELECT s.version, s.stream_type INTO v_current, v_type
          FROM stream_heads s WHERE s.tenant_id = v_tenant AND s.stream_id = p_streams[i];
        IF coalesce(v_current, 0) <> p_expected[i] THEN
            SELECT e.version, e.stream_type INTO v_current, v_type
              FROM events e WHERE e.tenant_id = v_tenant AND e.stream_id = p_streams[i]
             ORDER BY e.version DESC LIMIT 1;
        END IF;
        IF coalesce(v_current, 0) <> p_expected[i] THEN
            error := '{WRONG_VERSION}';
            detail := coalesce(v_current, 0)::text;
            RETURN NEXT;
            CONTINUE;
        END IF;
        IF v_type <> p_stream_types[i] THEN  -- NULL, so false, for a new stream
            error := '{WRONG_STREAM_TYPE}';
            detail := v_type;
            RETURN NEXT;
            CONTINUE;
        END IF;
{_ADVANCE_HEAD}{_ADVANCE_STREAM}
        INSERT INTO events ({EVENT_COLUMNS})
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
END $$;
"""

SIGNATURE = (
    "eventstore_append_many(uuid[], text[], uuid[], integer[], text[], text[], text[],"
    " timestamptz[], uuid[], text[], integer[], text[], uuid[], bytea[])"
)

#: The call EventStore makes; its rows come back one per entry, in order (`entry` is 1-based).
APPEND_MANY = (
    "SELECT entry, error, detail, stream_version, last_seq, duplicate FROM eventstore_append_many("
    "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
)
