"""The append path's plpgsql functions, revised (eventstore/append_sql.py): an append of one
event locks and advances its tenant's head in one UPDATE ... RETURNING."""

from __future__ import annotations

from alembic import op

revision = "0009_append_path"
down_revision = "0008_trail"
branch_labels = None
depends_on = None

#: What this revision runs, one statement each, frozen: history never changes.
UPGRADE = [
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

    v_hash := sha256(v_hash || p_event_hash);
    INSERT INTO events (tenant_id, seq, event_id, stream_type, stream_id, version, event_type,
                        schema_version, data, personal, subject_id, metadata, location_id,
                        recorded_at, idempotency_key, chain_hash)
    VALUES (p_tenant, v_seq + 1, p_event_id, p_stream_type, p_stream, p_expected + 1,
            p_event_type, p_schema_version, p_data::jsonb, p_personal::jsonb, p_subject_id,
            p_metadata::jsonb, p_location_id, p_recorded_at, p_idempotency_key, v_hash);

    UPDATE tenant_heads h SET seq = v_seq + 1, chain_hash = v_hash, updated_at = now()
     WHERE h.tenant_id = p_tenant;
    IF p_idempotency_key IS NOT NULL THEN
        INSERT INTO idempotency_keys (tenant_id, idempotency_key, request_hash, stream_id,
                                      stream_version, last_seq)
        VALUES (p_tenant, p_idempotency_key, p_request_hash, p_stream, p_expected + 1,
                v_seq + 1);
    END IF;
    stream_version := p_expected + 1;
    last_seq := v_seq + 1;
    duplicate := false;
END $$;""",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
