"""stream_heads: each stream's version and type, checked and advanced by every append in one
primary-key statement instead of a lookup in events whose plan depended on the statistics
(eventstore/append_sql.py says why). Filled from the events already stored: events FORCEs
row-level security on its owner too and no tenant is bound here, so the backfill lifts that for
its one statement, inside the migration's transaction."""

from __future__ import annotations

from alembic import context, op

revision = "0012_stream_heads"
down_revision = "0011_projection_summaries"
branch_labels = None
depends_on = None

#: What this revision runs, one statement each, frozen: history never changes. `{app_role}`
#: stands for the application role's quoted name.
UPGRADE = [
    """CREATE TABLE stream_heads (
    tenant_id    uuid NOT NULL,
    stream_id    uuid NOT NULL,
    stream_type  text NOT NULL,
    version      integer NOT NULL CHECK (version > 0),
    PRIMARY KEY (tenant_id, stream_id)
) WITH (fillfactor = 80);""",
    "ALTER TABLE events NO FORCE ROW LEVEL SECURITY",
    """INSERT INTO stream_heads (tenant_id, stream_id, stream_type, version)
SELECT DISTINCT ON (tenant_id, stream_id) tenant_id, stream_id, stream_type, version
  FROM events ORDER BY tenant_id, stream_id, version DESC""",
    "ALTER TABLE events FORCE ROW LEVEL SECURITY",
    "ALTER TABLE stream_heads ENABLE ROW LEVEL SECURITY;",
    "ALTER TABLE stream_heads FORCE ROW LEVEL SECURITY;",
    """CREATE POLICY stream_heads_tenant_isolation ON stream_heads
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);""",
    "GRANT SELECT, INSERT, UPDATE ON stream_heads TO {app_role}",
    r"""CREATE OR REPLACE FUNCTION eventstore_append_one(
    p_tenant uuid, p_stream_type text, p_stream uuid, p_expected integer,
    p_idempotency_key text, p_request_hash text, p_metadata text, p_recorded_at timestamptz,
    p_event_id uuid, p_event_type text, p_schema_version integer, p_data text,
    p_personal text, p_subject_id uuid, p_location_id uuid, p_event_hash bytea,
    p_new_key bytea, p_kek_id text,
    OUT stream_version integer, OUT last_seq bigint, OUT duplicate boolean)
LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
DECLARE
    v_seq bigint;
    v_hash bytea;
    v_current integer;
    v_type text;
    v_subject uuid;
    v_prior record;
    v_stored integer;
BEGIN
    IF p_expected IS NULL THEN
        RAISE EXCEPTION 'eventstore_append_one: no expected version'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_idempotency_key IS NULL THEN
        PERFORM set_config('app.tenant_id', p_tenant::text, true);
        UPDATE tenant_heads h
           SET seq = h.seq + 1, chain_hash = sha256(h.chain_hash || p_event_hash), updated_at = now()
         WHERE h.tenant_id = p_tenant
        RETURNING h.seq, h.chain_hash INTO v_seq, v_hash;
        IF NOT FOUND THEN
            INSERT INTO tenant_heads AS h (tenant_id, seq, chain_hash)
            VALUES (p_tenant, 1, sha256('\x0000000000000000000000000000000000000000000000000000000000000000'::bytea || p_event_hash)) ON CONFLICT DO NOTHING
            RETURNING h.seq, h.chain_hash INTO v_seq, v_hash;
            IF NOT FOUND THEN
                UPDATE tenant_heads h
                   SET seq = h.seq + 1, chain_hash = sha256(h.chain_hash || p_event_hash),
                       updated_at = now()
                 WHERE h.tenant_id = p_tenant
                RETURNING h.seq, h.chain_hash INTO v_seq, v_hash;
            END IF;
        END IF;
        IF p_personal IS NOT NULL THEN
            SELECT s.subject_id INTO v_subject FROM subject_erasures s
             WHERE s.tenant_id = p_tenant AND s.subject_id = p_subject_id;
            IF FOUND THEN
                RAISE EXCEPTION 'data subject % has been erased', v_subject
                    USING ERRCODE = 'CT004', DETAIL = v_subject::text;
            END IF;
        END IF;
    ELSE
        PERFORM set_config('app.tenant_id', p_tenant::text, true);
        SELECT h.seq, h.chain_hash INTO v_seq, v_hash
          FROM tenant_heads h WHERE h.tenant_id = p_tenant FOR UPDATE;
        IF NOT FOUND THEN
            INSERT INTO tenant_heads (tenant_id, seq, chain_hash)
            VALUES (p_tenant, 0, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea) ON CONFLICT DO NOTHING;
            SELECT h.seq, h.chain_hash INTO v_seq, v_hash
              FROM tenant_heads h WHERE h.tenant_id = p_tenant FOR UPDATE;
        END IF;
        IF p_personal IS NOT NULL THEN
            SELECT s.subject_id INTO v_subject FROM subject_erasures s
             WHERE s.tenant_id = p_tenant AND s.subject_id = p_subject_id;
            IF FOUND THEN
                RAISE EXCEPTION 'data subject % has been erased', v_subject
                    USING ERRCODE = 'CT004', DETAIL = v_subject::text;
            END IF;
        END IF;
        IF p_idempotency_key IS NOT NULL THEN
            SELECT k.request_hash, k.stream_version, k.last_seq INTO v_prior
              FROM idempotency_keys k
             WHERE k.tenant_id = p_tenant AND k.idempotency_key = p_idempotency_key;
            IF FOUND THEN
                IF v_prior.request_hash IS DISTINCT FROM p_request_hash THEN
                    RAISE EXCEPTION 'idempotency key % was already used for a different request',
                        p_idempotency_key USING ERRCODE = 'CT003';
                END IF;
                stream_version := v_prior.stream_version;
                last_seq := v_prior.last_seq;
                duplicate := true;
                RETURN;
            END IF;
        END IF;
        UPDATE tenant_heads h
           SET seq = h.seq + 1, chain_hash = sha256(h.chain_hash || p_event_hash), updated_at = now()
         WHERE h.tenant_id = p_tenant
        RETURNING h.seq, h.chain_hash INTO v_seq, v_hash;
    END IF;

    IF p_expected = 0 THEN
        INSERT INTO stream_heads (tenant_id, stream_id, stream_type, version)
        VALUES (p_tenant, p_stream, p_stream_type, 1) ON CONFLICT DO NOTHING;
    ELSE
        UPDATE stream_heads s SET version = p_expected + 1
         WHERE s.tenant_id = p_tenant AND s.stream_id = p_stream
           AND s.version = p_expected AND s.stream_type = p_stream_type;
    END IF;
    IF NOT FOUND THEN
        SELECT e.version, e.stream_type INTO v_current, v_type
          FROM events e WHERE e.tenant_id = p_tenant AND e.stream_id = p_stream
         ORDER BY e.version DESC LIMIT 1;
        IF coalesce(v_current, 0) <> p_expected THEN
            RAISE EXCEPTION 'stream %: expected version %, actual %',
                p_stream, p_expected, coalesce(v_current, 0)
                USING ERRCODE = 'CT001', DETAIL = coalesce(v_current, 0)::text;
        END IF;
        IF v_type <> p_stream_type THEN  -- NULL, so false, for a new stream
            RAISE EXCEPTION 'stream % is a %, not a %', p_stream, v_type, p_stream_type
                USING ERRCODE = 'CT002', DETAIL = v_type;
        END IF;
        INSERT INTO stream_heads AS s (tenant_id, stream_id, stream_type, version)
        VALUES (p_tenant, p_stream, p_stream_type, p_expected + 1)
        ON CONFLICT (tenant_id, stream_id)
        DO UPDATE SET version = excluded.version, stream_type = excluded.stream_type;
    END IF;

    IF p_new_key IS NOT NULL THEN
        INSERT INTO subject_keys (tenant_id, subject_id, wrapped_key, kek_id)
        VALUES (p_tenant, p_subject_id, p_new_key, p_kek_id) ON CONFLICT DO NOTHING;
        GET DIAGNOSTICS v_stored = ROW_COUNT;
        IF v_stored <> 1 THEN
            RAISE EXCEPTION 'a data subject key was created concurrently'
                USING ERRCODE = 'CT005';
        END IF;
    END IF;

    INSERT INTO events (tenant_id, seq, event_id, stream_type, stream_id, version, event_type,
                        schema_version, data, personal, subject_id, metadata, location_id,
                        recorded_at, idempotency_key, chain_hash)
    VALUES (p_tenant, v_seq, p_event_id, p_stream_type, p_stream, p_expected + 1,
            p_event_type, p_schema_version, p_data::jsonb, p_personal::jsonb, p_subject_id,
            p_metadata::jsonb, p_location_id, p_recorded_at, p_idempotency_key, v_hash);
    IF p_idempotency_key IS NOT NULL THEN
        INSERT INTO idempotency_keys (tenant_id, idempotency_key, request_hash, stream_id,
                                      stream_version, last_seq)
        VALUES (p_tenant, p_idempotency_key, p_request_hash, p_stream, p_expected + 1, v_seq);
    END IF;
    stream_version := p_expected + 1;
    last_seq := v_seq;
    duplicate := false;
END $$;""",
    r"""CREATE OR REPLACE FUNCTION eventstore_append(
    p_tenant uuid, p_stream_type text, p_stream uuid, p_expected integer,
    p_idempotency_key text, p_request_hash text, p_metadata text, p_recorded_at timestamptz,
    p_event_ids uuid[], p_event_types text[], p_schema_versions integer[], p_data text[],
    p_personal text[], p_subject_ids uuid[], p_location_ids uuid[], p_event_hashes bytea[],
    p_personal_subjects uuid[], p_new_key_subjects uuid[], p_new_keys bytea[], p_kek_id text,
    OUT stream_version integer, OUT last_seq bigint, OUT duplicate boolean)
LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
DECLARE
    v_count integer := cardinality(p_event_hashes);
    v_links bytea[];
    v_seq bigint;
    v_hash bytea;
    v_current integer;
    v_type text;
    v_subject uuid;
    v_prior record;
    v_stored integer;
BEGIN
    IF v_count IS NULL OR v_count = 0 OR p_expected IS NULL
       OR cardinality(p_event_ids) <> v_count OR cardinality(p_event_types) <> v_count
       OR cardinality(p_schema_versions) <> v_count OR cardinality(p_data) <> v_count
       OR cardinality(p_personal) <> v_count OR cardinality(p_subject_ids) <> v_count
       OR cardinality(p_location_ids) <> v_count THEN
        RAISE EXCEPTION 'eventstore_append: no events, uneven arrays or no expected version'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    PERFORM set_config('app.tenant_id', p_tenant::text, true);
    SELECT h.seq, h.chain_hash INTO v_seq, v_hash
      FROM tenant_heads h WHERE h.tenant_id = p_tenant FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO tenant_heads (tenant_id, seq, chain_hash)
        VALUES (p_tenant, 0, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea) ON CONFLICT DO NOTHING;
        SELECT h.seq, h.chain_hash INTO v_seq, v_hash
          FROM tenant_heads h WHERE h.tenant_id = p_tenant FOR UPDATE;
    END IF;

    IF p_personal_subjects IS NOT NULL THEN
        SELECT s.subject_id INTO v_subject FROM subject_erasures s
         WHERE s.tenant_id = p_tenant AND s.subject_id = ANY (p_personal_subjects)
         LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'data subject % has been erased', v_subject
                USING ERRCODE = 'CT004', DETAIL = v_subject::text;
        END IF;
    END IF;

    IF p_idempotency_key IS NOT NULL THEN
        SELECT k.request_hash, k.stream_version, k.last_seq INTO v_prior
          FROM idempotency_keys k
         WHERE k.tenant_id = p_tenant AND k.idempotency_key = p_idempotency_key;
        IF FOUND THEN
            IF v_prior.request_hash IS DISTINCT FROM p_request_hash THEN
                RAISE EXCEPTION 'idempotency key % was already used for a different request',
                    p_idempotency_key USING ERRCODE = 'CT003';
            END IF;
            stream_version := v_prior.stream_version;
            last_seq := v_prior.last_seq;
            duplicate := true;
            RETURN;
        END IF;
    END IF;


    IF p_expected = 0 THEN
        INSERT INTO stream_heads (tenant_id, stream_id, stream_type, version)
        VALUES (p_tenant, p_stream, p_stream_type, v_count) ON CONFLICT DO NOTHING;
    ELSE
        UPDATE stream_heads s SET version = p_expected + v_count
         WHERE s.tenant_id = p_tenant AND s.stream_id = p_stream
           AND s.version = p_expected AND s.stream_type = p_stream_type;
    END IF;
    IF NOT FOUND THEN
        SELECT e.version, e.stream_type INTO v_current, v_type
          FROM events e WHERE e.tenant_id = p_tenant AND e.stream_id = p_stream
         ORDER BY e.version DESC LIMIT 1;
        IF coalesce(v_current, 0) <> p_expected THEN
            RAISE EXCEPTION 'stream %: expected version %, actual %',
                p_stream, p_expected, coalesce(v_current, 0)
                USING ERRCODE = 'CT001', DETAIL = coalesce(v_current, 0)::text;
        END IF;
        IF v_type <> p_stream_type THEN  -- NULL, so false, for a new stream
            RAISE EXCEPTION 'stream % is a %, not a %', p_stream, v_type, p_stream_type
                USING ERRCODE = 'CT002', DETAIL = v_type;
        END IF;
        INSERT INTO stream_heads AS s (tenant_id, stream_id, stream_type, version)
        VALUES (p_tenant, p_stream, p_stream_type, p_expected + v_count)
        ON CONFLICT (tenant_id, stream_id)
        DO UPDATE SET version = excluded.version, stream_type = excluded.stream_type;
    END IF;

    IF p_new_key_subjects IS NOT NULL THEN
        INSERT INTO subject_keys (tenant_id, subject_id, wrapped_key, kek_id)
        SELECT p_tenant, k.subject_id, k.wrapped_key, p_kek_id
          FROM unnest(p_new_key_subjects, p_new_keys) AS k(subject_id, wrapped_key)
            ON CONFLICT DO NOTHING;
        GET DIAGNOSTICS v_stored = ROW_COUNT;
        IF v_stored <> cardinality(p_new_key_subjects) THEN
            RAISE EXCEPTION 'a data subject key was created concurrently'
                USING ERRCODE = 'CT005';
        END IF;
    END IF;

    FOR i IN 1 .. v_count LOOP
        v_hash := sha256(v_hash || p_event_hashes[i]);
        v_links[i] := v_hash;
    END LOOP;
    INSERT INTO events (tenant_id, seq, event_id, stream_type, stream_id, version, event_type,
                        schema_version, data, personal, subject_id, metadata, location_id,
                        recorded_at, idempotency_key, chain_hash)
    SELECT p_tenant, v_seq + r.n, r.event_id, p_stream_type, p_stream, p_expected + r.n::integer,
           r.event_type, r.schema_version, r.data::jsonb, r.personal::jsonb, r.subject_id,
           m.metadata, r.location_id, p_recorded_at, p_idempotency_key, r.chain_hash
      FROM (SELECT p_metadata::jsonb AS metadata) m,
           unnest(p_event_ids, p_event_types, p_schema_versions, p_data, p_personal,
                  p_subject_ids, p_location_ids, v_links)
           WITH ORDINALITY AS r(event_id, event_type, schema_version, data, personal,
                                subject_id, location_id, chain_hash, n);

    UPDATE tenant_heads h SET seq = v_seq + v_count, chain_hash = v_hash, updated_at = now()
     WHERE h.tenant_id = p_tenant;
    IF p_idempotency_key IS NOT NULL THEN
        INSERT INTO idempotency_keys (tenant_id, idempotency_key, request_hash, stream_id,
                                      stream_version, last_seq)
        VALUES (p_tenant, p_idempotency_key, p_request_hash, p_stream, p_expected + v_count,
                v_seq + v_count);
    END IF;
    stream_version := p_expected + v_count;
    last_seq := v_seq + v_count;
    duplicate := false;
END $$;""",
    r"""CREATE OR REPLACE FUNCTION eventstore_append_many(
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
        SELECT s.version, s.stream_type INTO v_current, v_type
          FROM stream_heads s WHERE s.tenant_id = v_tenant AND s.stream_id = p_streams[i];
        IF coalesce(v_current, 0) <> p_expected[i] THEN
            SELECT e.version, e.stream_type INTO v_current, v_type
              FROM events e WHERE e.tenant_id = v_tenant AND e.stream_id = p_streams[i]
             ORDER BY e.version DESC LIMIT 1;
        END IF;
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
]

#: What its downgrade runs.
DOWNGRADE = [
    r"""CREATE OR REPLACE FUNCTION eventstore_append_one(
    p_tenant uuid, p_stream_type text, p_stream uuid, p_expected integer,
    p_idempotency_key text, p_request_hash text, p_metadata text, p_recorded_at timestamptz,
    p_event_id uuid, p_event_type text, p_schema_version integer, p_data text,
    p_personal text, p_subject_id uuid, p_location_id uuid, p_event_hash bytea,
    p_new_key bytea, p_kek_id text,
    OUT stream_version integer, OUT last_seq bigint, OUT duplicate boolean)
LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
DECLARE
    v_seq bigint;
    v_hash bytea;
    v_current integer;
    v_type text;
    v_subject uuid;
    v_prior record;
    v_stored integer;
BEGIN
    IF p_expected IS NULL THEN
        RAISE EXCEPTION 'eventstore_append_one: no expected version'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_idempotency_key IS NULL THEN
        PERFORM set_config('app.tenant_id', p_tenant::text, true);
        UPDATE tenant_heads h
           SET seq = h.seq + 1, chain_hash = sha256(h.chain_hash || p_event_hash), updated_at = now()
         WHERE h.tenant_id = p_tenant
        RETURNING h.seq, h.chain_hash INTO v_seq, v_hash;
        IF NOT FOUND THEN
            INSERT INTO tenant_heads AS h (tenant_id, seq, chain_hash)
            VALUES (p_tenant, 1, sha256('\x0000000000000000000000000000000000000000000000000000000000000000'::bytea || p_event_hash)) ON CONFLICT DO NOTHING
            RETURNING h.seq, h.chain_hash INTO v_seq, v_hash;
            IF NOT FOUND THEN
                UPDATE tenant_heads h
                   SET seq = h.seq + 1, chain_hash = sha256(h.chain_hash || p_event_hash),
                       updated_at = now()
                 WHERE h.tenant_id = p_tenant
                RETURNING h.seq, h.chain_hash INTO v_seq, v_hash;
            END IF;
        END IF;
        IF p_personal IS NOT NULL THEN
            SELECT s.subject_id INTO v_subject FROM subject_erasures s
             WHERE s.tenant_id = p_tenant AND s.subject_id = p_subject_id;
            IF FOUND THEN
                RAISE EXCEPTION 'data subject % has been erased', v_subject
                    USING ERRCODE = 'CT004', DETAIL = v_subject::text;
            END IF;
        END IF;
    ELSE
        PERFORM set_config('app.tenant_id', p_tenant::text, true);
        SELECT h.seq, h.chain_hash INTO v_seq, v_hash
          FROM tenant_heads h WHERE h.tenant_id = p_tenant FOR UPDATE;
        IF NOT FOUND THEN
            INSERT INTO tenant_heads (tenant_id, seq, chain_hash)
            VALUES (p_tenant, 0, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea) ON CONFLICT DO NOTHING;
            SELECT h.seq, h.chain_hash INTO v_seq, v_hash
              FROM tenant_heads h WHERE h.tenant_id = p_tenant FOR UPDATE;
        END IF;
        IF p_personal IS NOT NULL THEN
            SELECT s.subject_id INTO v_subject FROM subject_erasures s
             WHERE s.tenant_id = p_tenant AND s.subject_id = p_subject_id;
            IF FOUND THEN
                RAISE EXCEPTION 'data subject % has been erased', v_subject
                    USING ERRCODE = 'CT004', DETAIL = v_subject::text;
            END IF;
        END IF;
        IF p_idempotency_key IS NOT NULL THEN
            SELECT k.request_hash, k.stream_version, k.last_seq INTO v_prior
              FROM idempotency_keys k
             WHERE k.tenant_id = p_tenant AND k.idempotency_key = p_idempotency_key;
            IF FOUND THEN
                IF v_prior.request_hash IS DISTINCT FROM p_request_hash THEN
                    RAISE EXCEPTION 'idempotency key % was already used for a different request',
                        p_idempotency_key USING ERRCODE = 'CT003';
                END IF;
                stream_version := v_prior.stream_version;
                last_seq := v_prior.last_seq;
                duplicate := true;
                RETURN;
            END IF;
        END IF;
        UPDATE tenant_heads h
           SET seq = h.seq + 1, chain_hash = sha256(h.chain_hash || p_event_hash), updated_at = now()
         WHERE h.tenant_id = p_tenant
        RETURNING h.seq, h.chain_hash INTO v_seq, v_hash;
    END IF;
    SELECT e.version, e.stream_type INTO v_current, v_type
      FROM events e WHERE e.tenant_id = p_tenant AND e.stream_id = p_stream
     ORDER BY e.version DESC LIMIT 1;
    IF coalesce(v_current, 0) <> p_expected THEN
        RAISE EXCEPTION 'stream %: expected version %, actual %',
            p_stream, p_expected, coalesce(v_current, 0)
            USING ERRCODE = 'CT001', DETAIL = coalesce(v_current, 0)::text;
    END IF;
    IF v_type <> p_stream_type THEN  -- NULL, so false, for a new stream
        RAISE EXCEPTION 'stream % is a %, not a %', p_stream, v_type, p_stream_type
            USING ERRCODE = 'CT002', DETAIL = v_type;
    END IF;

    IF p_new_key IS NOT NULL THEN
        INSERT INTO subject_keys (tenant_id, subject_id, wrapped_key, kek_id)
        VALUES (p_tenant, p_subject_id, p_new_key, p_kek_id) ON CONFLICT DO NOTHING;
        GET DIAGNOSTICS v_stored = ROW_COUNT;
        IF v_stored <> 1 THEN
            RAISE EXCEPTION 'a data subject key was created concurrently'
                USING ERRCODE = 'CT005';
        END IF;
    END IF;

    INSERT INTO events (tenant_id, seq, event_id, stream_type, stream_id, version, event_type,
                        schema_version, data, personal, subject_id, metadata, location_id,
                        recorded_at, idempotency_key, chain_hash)
    VALUES (p_tenant, v_seq, p_event_id, p_stream_type, p_stream, p_expected + 1,
            p_event_type, p_schema_version, p_data::jsonb, p_personal::jsonb, p_subject_id,
            p_metadata::jsonb, p_location_id, p_recorded_at, p_idempotency_key, v_hash);
    IF p_idempotency_key IS NOT NULL THEN
        INSERT INTO idempotency_keys (tenant_id, idempotency_key, request_hash, stream_id,
                                      stream_version, last_seq)
        VALUES (p_tenant, p_idempotency_key, p_request_hash, p_stream, p_expected + 1, v_seq);
    END IF;
    stream_version := p_expected + 1;
    last_seq := v_seq;
    duplicate := false;
END $$;""",
    r"""CREATE OR REPLACE FUNCTION eventstore_append(
    p_tenant uuid, p_stream_type text, p_stream uuid, p_expected integer,
    p_idempotency_key text, p_request_hash text, p_metadata text, p_recorded_at timestamptz,
    p_event_ids uuid[], p_event_types text[], p_schema_versions integer[], p_data text[],
    p_personal text[], p_subject_ids uuid[], p_location_ids uuid[], p_event_hashes bytea[],
    p_personal_subjects uuid[], p_new_key_subjects uuid[], p_new_keys bytea[], p_kek_id text,
    OUT stream_version integer, OUT last_seq bigint, OUT duplicate boolean)
LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
DECLARE
    v_count integer := cardinality(p_event_hashes);
    v_links bytea[];
    v_seq bigint;
    v_hash bytea;
    v_current integer;
    v_type text;
    v_subject uuid;
    v_prior record;
    v_stored integer;
BEGIN
    IF v_count IS NULL OR v_count = 0 OR p_expected IS NULL
       OR cardinality(p_event_ids) <> v_count OR cardinality(p_event_types) <> v_count
       OR cardinality(p_schema_versions) <> v_count OR cardinality(p_data) <> v_count
       OR cardinality(p_personal) <> v_count OR cardinality(p_subject_ids) <> v_count
       OR cardinality(p_location_ids) <> v_count THEN
        RAISE EXCEPTION 'eventstore_append: no events, uneven arrays or no expected version'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    PERFORM set_config('app.tenant_id', p_tenant::text, true);
    SELECT h.seq, h.chain_hash INTO v_seq, v_hash
      FROM tenant_heads h WHERE h.tenant_id = p_tenant FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO tenant_heads (tenant_id, seq, chain_hash)
        VALUES (p_tenant, 0, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea) ON CONFLICT DO NOTHING;
        SELECT h.seq, h.chain_hash INTO v_seq, v_hash
          FROM tenant_heads h WHERE h.tenant_id = p_tenant FOR UPDATE;
    END IF;

    IF p_personal_subjects IS NOT NULL THEN
        SELECT s.subject_id INTO v_subject FROM subject_erasures s
         WHERE s.tenant_id = p_tenant AND s.subject_id = ANY (p_personal_subjects)
         LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'data subject % has been erased', v_subject
                USING ERRCODE = 'CT004', DETAIL = v_subject::text;
        END IF;
    END IF;

    IF p_idempotency_key IS NOT NULL THEN
        SELECT k.request_hash, k.stream_version, k.last_seq INTO v_prior
          FROM idempotency_keys k
         WHERE k.tenant_id = p_tenant AND k.idempotency_key = p_idempotency_key;
        IF FOUND THEN
            IF v_prior.request_hash IS DISTINCT FROM p_request_hash THEN
                RAISE EXCEPTION 'idempotency key % was already used for a different request',
                    p_idempotency_key USING ERRCODE = 'CT003';
            END IF;
            stream_version := v_prior.stream_version;
            last_seq := v_prior.last_seq;
            duplicate := true;
            RETURN;
        END IF;
    END IF;

    SELECT e.version, e.stream_type INTO v_current, v_type
      FROM events e WHERE e.tenant_id = p_tenant AND e.stream_id = p_stream
     ORDER BY e.version DESC LIMIT 1;
    IF coalesce(v_current, 0) <> p_expected THEN
        RAISE EXCEPTION 'stream %: expected version %, actual %',
            p_stream, p_expected, coalesce(v_current, 0)
            USING ERRCODE = 'CT001', DETAIL = coalesce(v_current, 0)::text;
    END IF;
    IF v_type <> p_stream_type THEN  -- NULL, so false, for a new stream
        RAISE EXCEPTION 'stream % is a %, not a %', p_stream, v_type, p_stream_type
            USING ERRCODE = 'CT002', DETAIL = v_type;
    END IF;

    IF p_new_key_subjects IS NOT NULL THEN
        INSERT INTO subject_keys (tenant_id, subject_id, wrapped_key, kek_id)
        SELECT p_tenant, k.subject_id, k.wrapped_key, p_kek_id
          FROM unnest(p_new_key_subjects, p_new_keys) AS k(subject_id, wrapped_key)
            ON CONFLICT DO NOTHING;
        GET DIAGNOSTICS v_stored = ROW_COUNT;
        IF v_stored <> cardinality(p_new_key_subjects) THEN
            RAISE EXCEPTION 'a data subject key was created concurrently'
                USING ERRCODE = 'CT005';
        END IF;
    END IF;

    FOR i IN 1 .. v_count LOOP
        v_hash := sha256(v_hash || p_event_hashes[i]);
        v_links[i] := v_hash;
    END LOOP;
    INSERT INTO events (tenant_id, seq, event_id, stream_type, stream_id, version, event_type,
                        schema_version, data, personal, subject_id, metadata, location_id,
                        recorded_at, idempotency_key, chain_hash)
    SELECT p_tenant, v_seq + r.n, r.event_id, p_stream_type, p_stream, p_expected + r.n::integer,
           r.event_type, r.schema_version, r.data::jsonb, r.personal::jsonb, r.subject_id,
           m.metadata, r.location_id, p_recorded_at, p_idempotency_key, r.chain_hash
      FROM (SELECT p_metadata::jsonb AS metadata) m,
           unnest(p_event_ids, p_event_types, p_schema_versions, p_data, p_personal,
                  p_subject_ids, p_location_ids, v_links)
           WITH ORDINALITY AS r(event_id, event_type, schema_version, data, personal,
                                subject_id, location_id, chain_hash, n);

    UPDATE tenant_heads h SET seq = v_seq + v_count, chain_hash = v_hash, updated_at = now()
     WHERE h.tenant_id = p_tenant;
    IF p_idempotency_key IS NOT NULL THEN
        INSERT INTO idempotency_keys (tenant_id, idempotency_key, request_hash, stream_id,
                                      stream_version, last_seq)
        VALUES (p_tenant, p_idempotency_key, p_request_hash, p_stream, p_expected + v_count,
                v_seq + v_count);
    END IF;
    stream_version := p_expected + v_count;
    last_seq := v_seq + v_count;
    duplicate := false;
END $$;""",
    r"""CREATE OR REPLACE FUNCTION eventstore_append_many(
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
    "DROP TABLE stream_heads",
]


def upgrade_sql(app_role: str) -> list[str]:
    return [statement.replace("{app_role}", app_role) for statement in UPGRADE]


def upgrade() -> None:
    for statement in upgrade_sql(f'"{context.config.attributes["app_role"]}"'):
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
