"""The append path's plpgsql functions as migration 0001 installs them. Frozen: migrations
replay history, so this text never changes; later migrations replace functions with CREATE OR
REPLACE (eventstore/append_sql.py holds the current ones).

The plpgsql functions that make an append one round trip: lock the tenant head, check the
stream's version and type and the idempotency key, store new subject keys, link each event into
the hash chain with sha256 and advance the head."""

from __future__ import annotations

from eventstore.schema import TENANT_SETTING

#: Custom SQLSTATEs raised by the append functions (class "CT": caretrail). The store maps them
#: back to its exceptions; DETAIL carries the actual value (version, stream type, subject id).
WRONG_VERSION = "CT001"
WRONG_STREAM_TYPE = "CT002"
IDEMPOTENCY_CONFLICT = "CT003"
SUBJECT_ERASED = "CT004"
KEY_CREATED_CONCURRENTLY = "CT005"

GENESIS_HASH = "'\\x" + "00" * 32 + "'::bytea"

# Bind the tenant to this transaction, then lock its head row, creating it on first use. The
# lock serialises a tenant's appends, so `seq` is gapless in commit order. Each plpgsql statement
# takes a fresh snapshot, so everything read after the lock includes every append committed
# before it.
_LOCK_HEAD = f"""
    PERFORM set_config('{TENANT_SETTING}', p_tenant::text, true);
    SELECT h.seq, h.chain_hash INTO v_seq, v_hash
      FROM tenant_heads h WHERE h.tenant_id = p_tenant FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO tenant_heads (tenant_id, seq, chain_hash)
        VALUES (p_tenant, 0, {GENESIS_HASH}) ON CONFLICT DO NOTHING;
        SELECT h.seq, h.chain_hash INTO v_seq, v_hash
          FROM tenant_heads h WHERE h.tenant_id = p_tenant FOR UPDATE;
    END IF;"""

# Take the append lock and report what an append must check: used by appends with no expected
# version (ANY_VERSION, two steps) and by erasure, which must hold the lock before it destroys
# a key.
BEGIN_APPEND_FUNCTION = f"""
CREATE FUNCTION eventstore_begin_append(p_tenant uuid, p_stream uuid, p_idempotency_key text)
RETURNS TABLE (head_seq bigint, head_hash bytea, stream_version integer, stream_type text,
               prior_request_hash text, prior_stream_version integer, prior_last_seq bigint)
LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
DECLARE
    v_seq bigint;
    v_hash bytea;
BEGIN{_LOCK_HEAD}
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
END $$;
"""

# An append is one statement, so one round trip: lock the tenant's head, refuse erased data
# subjects, answer a repeated idempotency key with its first result, check the stream's version
# and type, store any new subject keys, link each event onto the chain, insert the events, advance
# the head and remember the idempotency key. The client sends each event's hash (sha256 of its
# RFC 8785 envelope, which holds the stream version but neither seq nor the previous hash); the
# links are made here, under the lock: chain_hash = sha256(previous chain_hash || event_hash).
# SECURITY INVOKER: row-level security and the caller's grants apply to every statement.
#
# Two functions share that body: eventstore_append_one takes one event as plain values (the usual
# case; array parameters cost time on both ends), eventstore_append a batch as parallel arrays.
# Every statement and expression costs time on each call (an autocommit call is a transaction of
# its own, and plpgsql prepares its expressions once per transaction), so the path of an append
# with no idempotency key and no personal data is kept short.

_APPEND_DECLARE = """
    v_seq bigint;
    v_hash bytea;
    v_current integer;
    v_type text;
    v_subject uuid;
    v_prior record;
    v_stored integer;"""

_ERASED = f"""
        IF FOUND THEN
            RAISE EXCEPTION 'data subject % has been erased', v_subject
                USING ERRCODE = '{SUBJECT_ERASED}', DETAIL = v_subject::text;
        END IF;"""

_REPLAY_OR_CHECK_STREAM = f"""
    IF p_idempotency_key IS NOT NULL THEN
        SELECT k.request_hash, k.stream_version, k.last_seq INTO v_prior
          FROM idempotency_keys k
         WHERE k.tenant_id = p_tenant AND k.idempotency_key = p_idempotency_key;
        IF FOUND THEN
            IF v_prior.request_hash IS DISTINCT FROM p_request_hash THEN
                RAISE EXCEPTION 'idempotency key % was already used for a different request',
                    p_idempotency_key USING ERRCODE = '{IDEMPOTENCY_CONFLICT}';
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
            USING ERRCODE = '{WRONG_VERSION}', DETAIL = coalesce(v_current, 0)::text;
    END IF;
    IF v_type <> p_stream_type THEN  -- NULL, so false, for a new stream
        RAISE EXCEPTION 'stream % is a %, not a %', p_stream, v_type, p_stream_type
            USING ERRCODE = '{WRONG_STREAM_TYPE}', DETAIL = v_type;
    END IF;"""

# The client looked the subjects' keys up before this lock was taken and sealed the personal
# fields under new keys where there were none: if another append stored one of those meanwhile,
# this batch is sealed under the wrong key, so nothing is stored and the client starts again.
_KEY_RACE = f"""
        GET DIAGNOSTICS v_stored = ROW_COUNT;
        IF v_stored <> {{expected}} THEN
            RAISE EXCEPTION 'a data subject key was created concurrently'
                USING ERRCODE = '{KEY_CREATED_CONCURRENTLY}';
        END IF;"""

_KEY_RACE_ONE = _KEY_RACE.format(expected="1")
_KEY_RACE_MANY = _KEY_RACE.format(expected="cardinality(p_new_key_subjects)")

_ADVANCE_HEAD = """
    UPDATE tenant_heads h SET seq = v_seq + {count}, chain_hash = v_hash, updated_at = now()
     WHERE h.tenant_id = p_tenant;
    IF p_idempotency_key IS NOT NULL THEN
        INSERT INTO idempotency_keys (tenant_id, idempotency_key, request_hash, stream_id,
                                      stream_version, last_seq)
        VALUES (p_tenant, p_idempotency_key, p_request_hash, p_stream, p_expected + {count},
                v_seq + {count});
    END IF;
    stream_version := p_expected + {count};
    last_seq := v_seq + {count};
    duplicate := false;
END $$;
"""

_EVENT_COLUMNS = """tenant_id, seq, event_id, stream_type, stream_id, version, event_type,
                        schema_version, data, personal, subject_id, metadata, location_id,
                        recorded_at, idempotency_key, chain_hash"""

APPEND_ONE_FUNCTION = f"""
CREATE FUNCTION eventstore_append_one(
    p_tenant uuid, p_stream_type text, p_stream uuid, p_expected integer,
    p_idempotency_key text, p_request_hash text, p_metadata text, p_recorded_at timestamptz,
    p_event_id uuid, p_event_type text, p_schema_version integer, p_data text,
    p_personal text, p_subject_id uuid, p_location_id uuid, p_event_hash bytea,
    p_new_key bytea, p_kek_id text,
    OUT stream_version integer, OUT last_seq bigint, OUT duplicate boolean)
LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
DECLARE{_APPEND_DECLARE}
BEGIN
    IF p_expected IS NULL THEN
        RAISE EXCEPTION 'eventstore_append_one: no expected version'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
{_LOCK_HEAD}

    IF p_personal IS NOT NULL THEN
        SELECT s.subject_id INTO v_subject FROM subject_erasures s
         WHERE s.tenant_id = p_tenant AND s.subject_id = p_subject_id;{_ERASED}
    END IF;
{_REPLAY_OR_CHECK_STREAM}

    IF p_new_key IS NOT NULL THEN
        INSERT INTO subject_keys (tenant_id, subject_id, wrapped_key, kek_id)
        VALUES (p_tenant, p_subject_id, p_new_key, p_kek_id) ON CONFLICT DO NOTHING;{_KEY_RACE_ONE}
    END IF;

    v_hash := sha256(v_hash || p_event_hash);
    INSERT INTO events ({_EVENT_COLUMNS})
    VALUES (p_tenant, v_seq + 1, p_event_id, p_stream_type, p_stream, p_expected + 1,
            p_event_type, p_schema_version, p_data::jsonb, p_personal::jsonb, p_subject_id,
            p_metadata::jsonb, p_location_id, p_recorded_at, p_idempotency_key, v_hash);
{_ADVANCE_HEAD.format(count="1")}"""

APPEND_FUNCTION = f"""
CREATE FUNCTION eventstore_append(
    p_tenant uuid, p_stream_type text, p_stream uuid, p_expected integer,
    p_idempotency_key text, p_request_hash text, p_metadata text, p_recorded_at timestamptz,
    p_event_ids uuid[], p_event_types text[], p_schema_versions integer[], p_data text[],
    p_personal text[], p_subject_ids uuid[], p_location_ids uuid[], p_event_hashes bytea[],
    p_personal_subjects uuid[], p_new_key_subjects uuid[], p_new_keys bytea[], p_kek_id text,
    OUT stream_version integer, OUT last_seq bigint, OUT duplicate boolean)
LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
DECLARE
    v_count integer := cardinality(p_event_hashes);
    v_links bytea[];{_APPEND_DECLARE}
BEGIN
    IF v_count IS NULL OR v_count = 0 OR p_expected IS NULL
       OR cardinality(p_event_ids) <> v_count OR cardinality(p_event_types) <> v_count
       OR cardinality(p_schema_versions) <> v_count OR cardinality(p_data) <> v_count
       OR cardinality(p_personal) <> v_count OR cardinality(p_subject_ids) <> v_count
       OR cardinality(p_location_ids) <> v_count THEN
        RAISE EXCEPTION 'eventstore_append: no events, uneven arrays or no expected version'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
{_LOCK_HEAD}

    IF p_personal_subjects IS NOT NULL THEN
        SELECT s.subject_id INTO v_subject FROM subject_erasures s
         WHERE s.tenant_id = p_tenant AND s.subject_id = ANY (p_personal_subjects)
         LIMIT 1;{_ERASED}
    END IF;
{_REPLAY_OR_CHECK_STREAM}

    IF p_new_key_subjects IS NOT NULL THEN
        INSERT INTO subject_keys (tenant_id, subject_id, wrapped_key, kek_id)
        SELECT p_tenant, k.subject_id, k.wrapped_key, p_kek_id
          FROM unnest(p_new_key_subjects, p_new_keys) AS k(subject_id, wrapped_key)
            ON CONFLICT DO NOTHING;{_KEY_RACE_MANY}
    END IF;

    FOR i IN 1 .. v_count LOOP
        v_hash := sha256(v_hash || p_event_hashes[i]);
        v_links[i] := v_hash;
    END LOOP;
    INSERT INTO events ({_EVENT_COLUMNS})
    SELECT p_tenant, v_seq + r.n, r.event_id, p_stream_type, p_stream, p_expected + r.n::integer,
           r.event_type, r.schema_version, r.data::jsonb, r.personal::jsonb, r.subject_id,
           m.metadata, r.location_id, p_recorded_at, p_idempotency_key, r.chain_hash
      FROM (SELECT p_metadata::jsonb AS metadata) m,
           unnest(p_event_ids, p_event_types, p_schema_versions, p_data, p_personal,
                  p_subject_ids, p_location_ids, v_links)
           WITH ORDINALITY AS r(event_id, event_type, schema_version, data, personal,
                                subject_id, location_id, chain_hash, n);
{_ADVANCE_HEAD.format(count="v_count")}"""

# What an append of personal data needs first, in one round trip: each subject's wrapped key (if
# any) and whether the subject was erased. With p_lock the tenant's append lock is taken first,
# so within the caller's transaction no other append can create one of these keys meanwhile.
SUBJECT_KEYS_FUNCTION = f"""
CREATE FUNCTION eventstore_subject_keys(p_tenant uuid, p_subjects uuid[], p_lock boolean)
RETURNS TABLE (subject_id uuid, wrapped_key bytea, erased boolean)
LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
DECLARE
    v_seq bigint;
    v_hash bytea;
BEGIN
    IF p_lock THEN
{_LOCK_HEAD}
    ELSE
        PERFORM set_config('{TENANT_SETTING}', p_tenant::text, true);
    END IF;
    RETURN QUERY
        SELECT s.id, k.wrapped_key, (x.subject_id IS NOT NULL)
          FROM unnest(p_subjects) AS s(id)
          LEFT JOIN subject_keys k ON k.tenant_id = p_tenant AND k.subject_id = s.id
          LEFT JOIN subject_erasures x ON x.tenant_id = p_tenant AND x.subject_id = s.id;
END $$;
"""

#: The signatures, for GRANT and DROP.
FUNCTIONS = (
    "eventstore_begin_append(uuid, uuid, text)",
    "eventstore_append_one(uuid, text, uuid, integer, text, text, text, timestamptz, uuid, text,"
    " integer, text, text, uuid, uuid, bytea, bytea, text)",
    "eventstore_append(uuid, text, uuid, integer, text, text, text, timestamptz, uuid[], text[],"
    " integer[], text[], text[], uuid[], uuid[], bytea[], uuid[], uuid[], bytea[], text)",
    "eventstore_subject_keys(uuid, uuid[], boolean)",
)
