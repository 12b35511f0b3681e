"""The append lock taken outside an append, by the steps that must hold it first: an append
with no expected version (two steps: read the stream's version, then append), erasure (which
destroys a key only under the lock) and the lookup of subject keys before personal fields are
sealed. Written from the same parts as the appends, and bound to their tenant the same way,
inside PL/pgSQL (eventstore/append_sql.py says why)."""

from __future__ import annotations

from eventstore.append_sql import LOCK_HEAD

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
BEGIN{LOCK_HEAD}
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
{LOCK_HEAD}
    ELSE
        PERFORM set_config('app.tenant_id', p_tenant::text, true);
    END IF;
    RETURN QUERY
        SELECT s.id, k.wrapped_key, (x.subject_id IS NOT NULL)
          FROM unnest(p_subjects) AS s(id)
          LEFT JOIN subject_keys k ON k.tenant_id = p_tenant AND k.subject_id = s.id
          LEFT JOIN subject_erasures x ON x.tenant_id = p_tenant AND x.subject_id = s.id;
END $$;
"""
