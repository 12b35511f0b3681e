"""The append path's plpgsql functions as they are now, written from their parts: one round trip
per append. (How they came to be is in the migrations, which keep each version as it ran.)

Each append locks its tenant's head, so `seq` is gapless in commit order; checks the stream's
version and type against its `stream_heads` row, the idempotency key, and that no data subject
was erased; stores new subject keys; links each event into the hash chain with sha256 (the client
sends each event's hash: sha256 of its RFC 8785 envelope, which holds the stream version but
neither seq nor the previous hash; `chain_hash = sha256(previous chain_hash || event_hash)`) and
advances the head. SECURITY INVOKER: row-level security and the caller's grants apply to every
statement.

Each function binds its own tenant, `set_config('app.tenant_id', p_tenant, true)`, where the
client binds with `SET LOCAL` (eventstore/binding.py). That is right for a function: its
statements run where the function runs, in the same transaction, and a function distributed on
Citus by its tenant argument (colocated with `events`) runs on the node that holds that tenant's
shards, so the setting is made on the very node whose row-level security reads it. SET LOCAL
matters for the client's statements, which the coordinator sends on to the shards.

Why `stream_heads`. The functions used to find a stream's version with `SELECT ... FROM events
... ORDER BY version DESC LIMIT 1`. plpgsql caches that statement's plan, and which plan
PostgreSQL picks depends on its statistics: for a tenant they do not know yet, with row-level
security adding its own `tenant_id = ...`, the planner took a bitmap scan of the tenant's whole
history plus a sort, so appends slowed as the history grew (401-587 appends/s with pgbench on one
connection, against 3,497-4,187 with the table; tests/bench/README.md). A row per stream, keyed
by (tenant_id, stream_id), leaves it nothing to choose: the check is one primary-key statement,
and it is also the write. `events` stays the record: if the head does not match, the function
asks events and raises what was wrong, or (the caller was right, the head was not: rows loaded
in bulk, say) sets the head to what events holds and goes on, so a head can never lock a stream
out. Appends with no expected version take the version from events (eventstore_begin_append).
"""

from __future__ import annotations

#: Custom SQLSTATEs raised by the append functions (class "CT": caretrail). The store maps them
#: back to its exceptions; DETAIL carries the actual value (version, stream type, subject id).
WRONG_VERSION = "CT001"
WRONG_STREAM_TYPE = "CT002"
IDEMPOTENCY_CONFLICT = "CT003"
SUBJECT_ERASED = "CT004"
KEY_CREATED_CONCURRENTLY = "CT005"

GENESIS_HASH = "'\\x" + "00" * 32 + "'::bytea"

# Bind the tenant, then lock its head row, creating it on first use. Each plpgsql statement takes
# a fresh snapshot, so everything read after the lock includes every append committed before it.
LOCK_HEAD = f"""
    PERFORM set_config('app.tenant_id', p_tenant::text, true);
    SELECT h.seq, h.chain_hash INTO v_seq, v_hash
      FROM tenant_heads h WHERE h.tenant_id = p_tenant FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO tenant_heads (tenant_id, seq, chain_hash)
        VALUES (p_tenant, 0, {GENESIS_HASH}) ON CONFLICT DO NOTHING;
        SELECT h.seq, h.chain_hash INTO v_seq, v_hash
          FROM tenant_heads h WHERE h.tenant_id = p_tenant FOR UPDATE;
    END IF;"""

# Lock the head and link one event on, in one statement. The row lock is held until commit; a
# waiting UPDATE re-reads the row the other append committed (READ COMMITTED), so it links onto
# that one. A tenant's first append creates the row; if another creates it meanwhile, ON
# CONFLICT waits for that one to commit and the UPDATE is tried again.
_ADVANCE_HEAD = f"""
    UPDATE tenant_heads h
       SET seq = h.seq + 1, chain_hash = sha256(h.chain_hash || p_event_hash), updated_at = now()
     WHERE h.tenant_id = p_tenant
    RETURNING h.seq, h.chain_hash INTO v_seq, v_hash;
    IF NOT FOUND THEN
        INSERT INTO tenant_heads AS h (tenant_id, seq, chain_hash)
        VALUES (p_tenant, 1, sha256({GENESIS_HASH} || p_event_hash)) ON CONFLICT DO NOTHING
        RETURNING h.seq, h.chain_hash INTO v_seq, v_hash;
        IF NOT FOUND THEN
            UPDATE tenant_heads h
               SET seq = h.seq + 1, chain_hash = sha256(h.chain_hash || p_event_hash),
                   updated_at = now()
             WHERE h.tenant_id = p_tenant
            RETURNING h.seq, h.chain_hash INTO v_seq, v_hash;
        END IF;
    END IF;"""

# The same, for a head this call has already locked (so it exists).
_ADVANCE_LOCKED = """
    UPDATE tenant_heads h
       SET seq = h.seq + 1, chain_hash = sha256(h.chain_hash || p_event_hash), updated_at = now()
     WHERE h.tenant_id = p_tenant
    RETURNING h.seq, h.chain_hash INTO v_seq, v_hash;"""

_ERASED = f"""
        IF FOUND THEN
            RAISE EXCEPTION 'data subject % has been erased', v_subject
                USING ERRCODE = '{SUBJECT_ERASED}', DETAIL = v_subject::text;
        END IF;"""

_ERASURE_CHECK = f"""
    IF p_personal IS NOT NULL THEN
        SELECT s.subject_id INTO v_subject FROM subject_erasures s
         WHERE s.tenant_id = p_tenant AND s.subject_id = p_subject_id;{_ERASED}
    END IF;"""

# A repeated idempotency key is answered with the first append's result, before the head moves.
_REPLAY = f"""
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
    END IF;"""


def _check_and_advance(count: str) -> str:
    """Under the head lock: advance the stream's head from the expected version, in one
    statement; if it does not match, ask events (the record) and raise what was wrong (the
    version first, then the type); a head that disagrees with events while the caller is right
    is set to what events holds, and the append goes on."""
    return f"""
    IF p_expected = 0 THEN
        INSERT INTO stream_heads (tenant_id, stream_id, stream_type, version)
        VALUES (p_tenant, p_stream, p_stream_type, {count}) ON CONFLICT DO NOTHING;
    ELSE
        UPDATE stream_heads s SET version = p_expected + {count}
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
                USING ERRCODE = '{WRONG_VERSION}', DETAIL = coalesce(v_current, 0)::text;
        END IF;
        IF v_type <> p_stream_type THEN  -- NULL, so false, for a new stream
            RAISE EXCEPTION 'stream % is a %, not a %', p_stream, v_type, p_stream_type
                USING ERRCODE = '{WRONG_STREAM_TYPE}', DETAIL = v_type;
        END IF;
        INSERT INTO stream_heads AS s (tenant_id, stream_id, stream_type, version)
        VALUES (p_tenant, p_stream, p_stream_type, p_expected + {count})
        ON CONFLICT (tenant_id, stream_id)
        DO UPDATE SET version = excluded.version, stream_type = excluded.stream_type;
    END IF;"""


# The client looked the subjects' keys up before this lock was taken and sealed the personal
# fields under new keys where there were none: if another append stored one of those meanwhile,
# this batch is sealed under the wrong key, so nothing is stored and the client starts again.
def _key_race(expected: str) -> str:
    return f"""
        GET DIAGNOSTICS v_stored = ROW_COUNT;
        IF v_stored <> {expected} THEN
            RAISE EXCEPTION 'a data subject key was created concurrently'
                USING ERRCODE = '{KEY_CREATED_CONCURRENTLY}';
        END IF;"""


EVENT_COLUMNS = """tenant_id, seq, event_id, stream_type, stream_id, version, event_type,
                        schema_version, data, personal, subject_id, metadata, location_id,
                        recorded_at, idempotency_key, chain_hash"""

_APPEND_DECLARE = """
    v_seq bigint;
    v_hash bytea;
    v_current integer;
    v_type text;
    v_subject uuid;
    v_prior record;
    v_stored integer;"""


def _indented(block: str) -> str:
    return block.replace("\n", "\n    ")


_WITHOUT_KEY = _indented(
    "\n    PERFORM set_config('app.tenant_id', p_tenant::text, true);"
    + _ADVANCE_HEAD
    + _ERASURE_CHECK
)
_WITH_KEY = _indented(LOCK_HEAD + _ERASURE_CHECK + _REPLAY + _ADVANCE_LOCKED)

# One event as plain values (the usual case; array parameters cost time on both ends). Without
# an idempotency key the head is locked and advanced at once; with one it is locked first, so a
# repeated key is answered before the head moves. Then, under the lock: refuse an erased data
# subject, check and advance the stream, store a new subject key, insert the event (seq and
# chain_hash are the head's new values) and remember the key.
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
    IF p_idempotency_key IS NULL THEN{_WITHOUT_KEY}
    ELSE{_WITH_KEY}
    END IF;
{_check_and_advance("1")}

    IF p_new_key IS NOT NULL THEN
        INSERT INTO subject_keys (tenant_id, subject_id, wrapped_key, kek_id)
        VALUES (p_tenant, p_subject_id, p_new_key, p_kek_id) ON CONFLICT DO NOTHING;{_key_race("1")}
    END IF;

    INSERT INTO events ({EVENT_COLUMNS})
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
END $$;
"""

# A batch of one stream as parallel arrays: the same steps, the head locked first and advanced
# once at the end, after every event was linked on.
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
{LOCK_HEAD}

    IF p_personal_subjects IS NOT NULL THEN
        SELECT s.subject_id INTO v_subject FROM subject_erasures s
         WHERE s.tenant_id = p_tenant AND s.subject_id = ANY (p_personal_subjects)
         LIMIT 1;{_ERASED}
    END IF;
{_REPLAY}

{_check_and_advance("v_count")}

    IF p_new_key_subjects IS NOT NULL THEN
        INSERT INTO subject_keys (tenant_id, subject_id, wrapped_key, kek_id)
        SELECT p_tenant, k.subject_id, k.wrapped_key, p_kek_id
          FROM unnest(p_new_key_subjects, p_new_keys) AS k(subject_id, wrapped_key)
            ON CONFLICT DO NOTHING;{_key_race("cardinality(p_new_key_subjects)")}
    END IF;

    FOR i IN 1 .. v_count LOOP
        v_hash := sha256(v_hash || p_event_hashes[i]);
        v_links[i] := v_hash;
    END LOOP;
    INSERT INTO events ({EVENT_COLUMNS})
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
END $$;
"""
