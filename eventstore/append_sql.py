"""The append path's plpgsql functions as they are now: 0001's (eventstore/append_sql_0001.py),
with eventstore_append_one revised by migration 0009.

eventstore_append_one, the usual append (one event), takes the tenant's head lock and advances
the head in one statement: `UPDATE tenant_heads ... RETURNING` locks the row, adds one to `seq`
and links the event's hash onto the chain, where 0001 locked it with SELECT ... FOR UPDATE and
updated it at the end (two statements, and a row lock written to the WAL before the update). The
checks then run under that lock; a failed check raises, which undoes the head's advance with
the rest of the statement."""

from __future__ import annotations

from eventstore.append_sql_0001 import (
    _APPEND_DECLARE,
    _ERASED,
    _EVENT_COLUMNS,
    _KEY_RACE_ONE,
    _LOCK_HEAD,
    _REPLAY_OR_CHECK_STREAM,
    APPEND_FUNCTION,
    BEGIN_APPEND_FUNCTION,
    FUNCTIONS,
    GENESIS_HASH,
    IDEMPOTENCY_CONFLICT,
    KEY_CREATED_CONCURRENTLY,
    SUBJECT_ERASED,
    SUBJECT_KEYS_FUNCTION,
    WRONG_STREAM_TYPE,
    WRONG_VERSION,
)
from eventstore.append_sql_0001 import (
    APPEND_ONE_FUNCTION as APPEND_ONE_FUNCTION_0001,
)
from eventstore.schema import TENANT_SETTING

__all__ = [
    "APPEND_FUNCTION",
    "APPEND_ONE_FUNCTION",
    "BEGIN_APPEND_FUNCTION",
    "FUNCTIONS",
    "IDEMPOTENCY_CONFLICT",
    "KEY_CREATED_CONCURRENTLY",
    "RESTORED_0009",
    "REVISED_0009",
    "SUBJECT_ERASED",
    "SUBJECT_KEYS_FUNCTION",
    "WRONG_STREAM_TYPE",
    "WRONG_VERSION",
]

# Lock the head and link the event on, in one statement. The row lock is held until commit, so
# a tenant's appends are serialised and `seq` is gapless in commit order; a waiting UPDATE
# re-reads the row the other append committed (READ COMMITTED), so it links onto that one. A
# tenant's first append creates the row; if another creates it meanwhile, ON CONFLICT waits for
# that one to commit and the UPDATE is tried again.
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

_ERASURE_CHECK = f"""
    IF p_personal IS NOT NULL THEN
        SELECT s.subject_id INTO v_subject FROM subject_erasures s
         WHERE s.tenant_id = p_tenant AND s.subject_id = p_subject_id;{_ERASED}
    END IF;"""

# 0001's replay-or-check, in its two parts: a repeated idempotency key is answered before the
# head moves; the stream is checked after.
_REPLAY, _CHECK_STREAM = _REPLAY_OR_CHECK_STREAM.split("\n\n", 1)


def _indented(block: str) -> str:
    return block.replace("\n", "\n    ")


_WITHOUT_KEY = _indented(
    f"\n    PERFORM set_config('{TENANT_SETTING}', p_tenant::text, true);"
    + _ADVANCE_HEAD
    + _ERASURE_CHECK
)
_WITH_KEY = _indented(_LOCK_HEAD + _ERASURE_CHECK + _REPLAY + _ADVANCE_LOCKED)

# An append is one statement, so one round trip. With an idempotency key the head is locked
# first (0001's way, creating it if need be) so that a repeated key is answered before the head
# moves; without one the head is locked and advanced at once. Then, under the lock: refuse an
# erased data subject, check the stream's version and type (each plpgsql statement takes a fresh
# snapshot, so these see every append committed before the lock), store a new subject key,
# insert the event (seq and chain_hash are the head's new values) and remember the key.
# SECURITY INVOKER: row-level security and the caller's grants apply to every statement.
APPEND_ONE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION eventstore_append_one(
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
{_CHECK_STREAM}

    IF p_new_key IS NOT NULL THEN
        INSERT INTO subject_keys (tenant_id, subject_id, wrapped_key, kek_id)
        VALUES (p_tenant, p_subject_id, p_new_key, p_kek_id) ON CONFLICT DO NOTHING;{_KEY_RACE_ONE}
    END IF;

    INSERT INTO events ({_EVENT_COLUMNS})
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

#: What migration 0009 runs (one statement each), and what its downgrade puts back.
REVISED_0009 = [APPEND_ONE_FUNCTION.strip()]
RESTORED_0009 = [
    APPEND_ONE_FUNCTION_0001.strip().replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
]
