"""The event store: events, tenant heads, idempotency keys, subject keys; RLS and immutability."""

from __future__ import annotations

from alembic import context, op

revision = "0001_eventstore"
down_revision = None
branch_labels = None
depends_on = None

#: What this revision runs, one statement each, frozen: history never changes. `{app_role}`
#: stands for the application role's quoted name.
UPGRADE = [
    """CREATE TABLE tenant_heads (
    tenant_id   uuid PRIMARY KEY,
    seq         bigint NOT NULL DEFAULT 0 CHECK (seq >= 0),
    chain_hash  bytea NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);""",
    """CREATE TABLE events (
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
);""",
    """CREATE INDEX events_location_idx ON events (tenant_id, location_id, seq)
    WHERE location_id IS NOT NULL;""",
    "CREATE INDEX events_subject_idx ON events (tenant_id, subject_id) WHERE subject_id IS NOT NULL;",
    "CREATE INDEX events_recorded_at_idx ON events (tenant_id, recorded_at);",
    """CREATE TABLE idempotency_keys (
    tenant_id        uuid NOT NULL,
    idempotency_key  text NOT NULL,
    request_hash     text NOT NULL,
    stream_id        uuid NOT NULL,
    stream_version   integer NOT NULL,
    last_seq         bigint NOT NULL,
    recorded_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, idempotency_key)
);""",
    """CREATE TABLE subject_keys (
    tenant_id    uuid NOT NULL,
    subject_id   uuid NOT NULL,
    wrapped_key  bytea NOT NULL,
    kek_id       text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, subject_id)
);""",
    """CREATE TABLE subject_erasures (
    tenant_id   uuid NOT NULL,
    subject_id  uuid NOT NULL,
    erased_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, subject_id)
);""",
    r"""CREATE FUNCTION eventstore_begin_append(p_tenant uuid, p_stream uuid, p_idempotency_key text)
RETURNS TABLE (head_seq bigint, head_hash bytea, stream_version integer, stream_type text,
               prior_request_hash text, prior_stream_version integer, prior_last_seq bigint)
LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
DECLARE
    v_seq bigint;
    v_hash bytea;
BEGIN
    PERFORM set_config('app.tenant_id', p_tenant::text, true);
    SELECT h.seq, h.chain_hash INTO v_seq, v_hash
      FROM tenant_heads h WHERE h.tenant_id = p_tenant FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO tenant_heads (tenant_id, seq, chain_hash)
        VALUES (p_tenant, 0, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea) ON CONFLICT DO NOTHING;
        SELECT h.seq, h.chain_hash INTO v_seq, v_hash
          FROM tenant_heads h WHERE h.tenant_id = p_tenant FOR UPDATE;
    END IF;
    head_seq := v_seq;
    head_hash := v_hash;
    SELECT e.version, e.stream_type INTO stream_version, stream_type
      FROM events e WHERE e.tenant_id = p_tenant AND e.stream_id = p_stream
     ORDER BY e.version DESC LIMIT 1;
    stream_version := coalesce(stream_version, 0);
    IF p_idempotency_key IS NOT NULL THEN
        SELECT k.request_hash, k.stream_version, k.last_seq
          INTO prior_request_hash, prior_stream_version, prior_last_seq
          FROM idempotency_keys k
         WHERE k.tenant_id = p_tenant AND k.idempotency_key = p_idempotency_key;
    END IF;
    RETURN NEXT;
END $$;""",
    r"""CREATE FUNCTION eventstore_append_one(
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
    r"""CREATE FUNCTION eventstore_append(
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
    r"""CREATE FUNCTION eventstore_subject_keys(p_tenant uuid, p_subjects uuid[], p_lock boolean)
RETURNS TABLE (subject_id uuid, wrapped_key bytea, erased boolean)
LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
DECLARE
    v_seq bigint;
    v_hash bytea;
BEGIN
    IF p_lock THEN

    PERFORM set_config('app.tenant_id', p_tenant::text, true);
    SELECT h.seq, h.chain_hash INTO v_seq, v_hash
      FROM tenant_heads h WHERE h.tenant_id = p_tenant FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO tenant_heads (tenant_id, seq, chain_hash)
        VALUES (p_tenant, 0, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea) ON CONFLICT DO NOTHING;
        SELECT h.seq, h.chain_hash INTO v_seq, v_hash
          FROM tenant_heads h WHERE h.tenant_id = p_tenant FOR UPDATE;
    END IF;
    ELSE
        PERFORM set_config('app.tenant_id', p_tenant::text, true);
    END IF;
    RETURN QUERY
        SELECT s.id, k.wrapped_key, (x.subject_id IS NOT NULL)
          FROM unnest(p_subjects) AS s(id)
          LEFT JOIN subject_keys k ON k.tenant_id = p_tenant AND k.subject_id = s.id
          LEFT JOIN subject_erasures x ON x.tenant_id = p_tenant AND x.subject_id = s.id;
END $$;""",
    """CREATE FUNCTION eventstore_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'table % is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;""",
    """CREATE TRIGGER events_no_update_delete BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION eventstore_reject_change();""",
    """CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION eventstore_reject_change();""",
    """CREATE TRIGGER idempotency_keys_no_update_delete BEFORE UPDATE OR DELETE ON idempotency_keys
    FOR EACH ROW EXECUTE FUNCTION eventstore_reject_change();""",
    """CREATE TRIGGER idempotency_keys_no_truncate BEFORE TRUNCATE ON idempotency_keys
    FOR EACH STATEMENT EXECUTE FUNCTION eventstore_reject_change();""",
    """CREATE TRIGGER subject_erasures_no_update_delete BEFORE UPDATE OR DELETE ON subject_erasures
    FOR EACH ROW EXECUTE FUNCTION eventstore_reject_change();""",
    """CREATE TRIGGER subject_erasures_no_truncate BEFORE TRUNCATE ON subject_erasures
    FOR EACH STATEMENT EXECUTE FUNCTION eventstore_reject_change();""",
    """CREATE TRIGGER subject_keys_no_update BEFORE UPDATE ON subject_keys
    FOR EACH ROW EXECUTE FUNCTION eventstore_reject_change();""",
    "ALTER TABLE tenant_heads ENABLE ROW LEVEL SECURITY;",
    "ALTER TABLE tenant_heads FORCE ROW LEVEL SECURITY;",
    """CREATE POLICY tenant_heads_tenant_isolation ON tenant_heads
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);""",
    "ALTER TABLE events ENABLE ROW LEVEL SECURITY;",
    "ALTER TABLE events FORCE ROW LEVEL SECURITY;",
    """CREATE POLICY events_tenant_isolation ON events
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);""",
    "ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;",
    "ALTER TABLE idempotency_keys FORCE ROW LEVEL SECURITY;",
    """CREATE POLICY idempotency_keys_tenant_isolation ON idempotency_keys
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);""",
    "ALTER TABLE subject_keys ENABLE ROW LEVEL SECURITY;",
    "ALTER TABLE subject_keys FORCE ROW LEVEL SECURITY;",
    """CREATE POLICY subject_keys_tenant_isolation ON subject_keys
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);""",
    "ALTER TABLE subject_erasures ENABLE ROW LEVEL SECURITY;",
    "ALTER TABLE subject_erasures FORCE ROW LEVEL SECURITY;",
    """CREATE POLICY subject_erasures_tenant_isolation ON subject_erasures
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);""",
    "GRANT SELECT, INSERT ON events, idempotency_keys, subject_erasures TO {app_role};",
    "GRANT SELECT, INSERT, UPDATE ON tenant_heads TO {app_role};",
    "GRANT SELECT, INSERT, DELETE ON subject_keys TO {app_role};",
    "REVOKE ALL ON FUNCTION eventstore_begin_append(uuid, uuid, text) FROM PUBLIC;",
    "GRANT EXECUTE ON FUNCTION eventstore_begin_append(uuid, uuid, text) TO {app_role};",
    "REVOKE ALL ON FUNCTION eventstore_append_one(uuid, text, uuid, integer, text, text, text, timestamptz, uuid, text, integer, text, text, uuid, uuid, bytea, bytea, text) FROM PUBLIC;",
    "GRANT EXECUTE ON FUNCTION eventstore_append_one(uuid, text, uuid, integer, text, text, text, timestamptz, uuid, text, integer, text, text, uuid, uuid, bytea, bytea, text) TO {app_role};",
    "REVOKE ALL ON FUNCTION eventstore_append(uuid, text, uuid, integer, text, text, text, timestamptz, uuid[], text[], integer[], text[], text[], uuid[], uuid[], bytea[], uuid[], uuid[], bytea[], text) FROM PUBLIC;",
    "GRANT EXECUTE ON FUNCTION eventstore_append(uuid, text, uuid, integer, text, text, text, timestamptz, uuid[], text[], integer[], text[], text[], uuid[], uuid[], bytea[], uuid[], uuid[], bytea[], text) TO {app_role};",
    "REVOKE ALL ON FUNCTION eventstore_subject_keys(uuid, uuid[], boolean) FROM PUBLIC;",
    "GRANT EXECUTE ON FUNCTION eventstore_subject_keys(uuid, uuid[], boolean) TO {app_role};",
    "GRANT SELECT ON alembic_version TO {app_role}",
]

#: What its downgrade runs.
DOWNGRADE = [
    "DROP TABLE IF EXISTS subject_erasures, subject_keys, idempotency_keys, events, tenant_heads",
    "DROP FUNCTION IF EXISTS eventstore_begin_append(uuid, uuid, text)",
    "DROP FUNCTION IF EXISTS eventstore_append_one(uuid, text, uuid, integer, text, text, text, timestamptz, uuid, text, integer, text, text, uuid, uuid, bytea, bytea, text)",
    "DROP FUNCTION IF EXISTS eventstore_append(uuid, text, uuid, integer, text, text, text, timestamptz, uuid[], text[], integer[], text[], text[], uuid[], uuid[], bytea[], uuid[], uuid[], bytea[], text)",
    "DROP FUNCTION IF EXISTS eventstore_subject_keys(uuid, uuid[], boolean)",
    "DROP FUNCTION IF EXISTS eventstore_reject_change()",
]


def upgrade_sql(app_role: str) -> list[str]:
    return [statement.replace("{app_role}", app_role) for statement in UPGRADE]


def upgrade() -> None:
    for statement in upgrade_sql(f'"{context.config.attributes["app_role"]}"'):
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
