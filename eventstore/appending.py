"""Building one append statement: personal fields sealed, each event's canonical envelope hashed,
the idempotency fingerprint; and the append functions' SQLSTATEs turned back into exceptions."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from eventstore import chain, subjects
from eventstore.append_sql import (
    IDEMPOTENCY_CONFLICT,
    SUBJECT_ERASED,
    WRONG_STREAM_TYPE,
    WRONG_VERSION,
)
from eventstore.crypto import encrypt_fields, fingerprint_fields
from eventstore.model import (
    ConcurrencyError,
    EventStoreError,
    IdempotencyConflict,
    NewEvent,
    StreamRef,
    StreamTypeMismatch,
    SubjectErased,
)

#: The whole append, one statement: one event (append_sql.APPEND_ONE_FUNCTION) or a batch
#: (append_sql.APPEND_FUNCTION).
APPEND_ONE = (
    "SELECT stream_version, last_seq, duplicate FROM eventstore_append_one($1, $2, $3, $4, $5,"
    " $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
)
APPEND = (
    "SELECT stream_version, last_seq, duplicate FROM eventstore_append($1, $2, $3, $4, $5, $6, $7,"
    " $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)"
)


def append_statement(
    kek_id: str,
    tenant_id: UUID,
    stream: StreamRef,
    requested_version: int | None,
    version: int,
    batch: Batch,
    keys: subjects.WritingKeys,
    idempotency_key: str | None,
) -> tuple[str, tuple[Any, ...]]:
    """The append statement and its arguments: personal fields sealed, each event's hash
    computed from its canonical envelope (the database links them onto the chain)."""
    recorded_at = datetime.now(UTC)
    personal_json: list[str | None] = []
    hashes: list[bytes] = []
    for offset, (event, data) in enumerate(zip(batch.events, batch.data, strict=True), start=1):
        sealed = None
        if event.personal:
            assert event.subject_id is not None
            sealed = encrypt_fields(
                keys.keys[event.subject_id], tenant_id, event.event_id, event.personal
            )
        envelope = chain.envelope(
            tenant_id=tenant_id,
            event_id=event.event_id,
            stream_type=stream.type,
            stream_id=stream.id,
            version=version + offset,
            event_type=event.type,
            schema_version=event.schema_version,
            data=data,
            personal=sealed,
            subject_id=event.subject_id,
            metadata=batch.metadata,
            location_id=event.location_id,
            recorded_at=recorded_at,
            idempotency_key=idempotency_key,
        )
        hashes.append(chain.event_hash(envelope))
        personal_json.append(_dump(sealed) if sealed is not None else None)
    request_hash = (
        _request_hash(stream, requested_version, batch, keys.keys)
        if idempotency_key is not None
        else None
    )
    common = (
        tenant_id,
        stream.type,
        stream.id,
        version,
        idempotency_key,
        request_hash,
        batch.metadata_json,
        recorded_at,
    )
    events = batch.events
    if len(events) == 1:
        (event,) = events
        new_key = keys.new[0][1] if keys.new else None
        return APPEND_ONE, (
            *common,
            event.event_id,
            event.type,
            event.schema_version,
            batch.data_json[0],
            personal_json[0],
            event.subject_id,
            event.location_id,
            hashes[0],
            new_key,
            kek_id if new_key is not None else None,
        )
    return APPEND, (
        *common,
        [e.event_id for e in events],
        [e.type for e in events],
        [e.schema_version for e in events],
        batch.data_json,
        personal_json,
        [e.subject_id for e in events],
        [e.location_id for e in events],
        hashes,
        batch.personal_subjects or None,
        [subject for subject, _ in keys.new] or None,
        [wrapped for _, wrapped in keys.new] or None,
        kek_id if keys.new else None,
    )


@dataclass(frozen=True, slots=True)
class Batch:
    """What an append needs whatever the keys are, each value encoded once: the JSON text that
    is stored and, decoded from that same text, the plain JSON value that is hashed (so what is
    hashed on append is exactly what is read back from jsonb when the chain is verified)."""

    events: Sequence[NewEvent]
    data: list[Any]
    data_json: list[str]
    metadata: Any
    metadata_json: str
    personal_subjects: list[UUID]

    @classmethod
    def of(cls, events: Sequence[NewEvent], metadata: dict[str, Any] | None) -> Batch:
        data_json = [msgspec.json.encode(e.data) for e in events]
        if metadata:
            encoded = msgspec.json.encode(metadata)
            plain_metadata, metadata_json = msgspec.json.decode(encoded), encoded.decode()
        else:  # the usual case for EventStore.append: what encoding {} and decoding it gives
            plain_metadata, metadata_json = {}, "{}"
        return cls(
            events=events,
            data=[msgspec.json.decode(raw) for raw in data_json],
            data_json=[raw.decode() for raw in data_json],
            metadata=plain_metadata,
            metadata_json=metadata_json,
            personal_subjects=sorted({e.subject_id for e in events if e.personal and e.subject_id})
            if any(e.personal for e in events)
            else [],
        )


def translated(
    exc: asyncpg.PostgresError, stream: StreamRef, expected: int | None, idempotency_key: str | None
) -> EventStoreError | None:
    """The store's own exception for one of eventstore_append's SQLSTATEs, else None."""
    return refusal(exc.sqlstate, getattr(exc, "detail", None), stream, expected, idempotency_key)


def refusal(
    state: str | None,
    detail: str | None,
    stream: StreamRef,
    expected: int | None,
    idempotency_key: str | None,
) -> EventStoreError | None:
    """The store's own exception for an append function's SQLSTATE (raised, or returned as an
    entry's status by eventstore_append_many) and its DETAIL, else None."""
    detail = detail or ""
    if state == WRONG_VERSION:
        return ConcurrencyError(stream.id, expected, int(detail))
    if state == WRONG_STREAM_TYPE:
        return StreamTypeMismatch(f"stream {stream.id} is a {detail}, not a {stream.type}")
    if state == IDEMPOTENCY_CONFLICT:
        return IdempotencyConflict(idempotency_key or "")
    if state == SUBJECT_ERASED:
        return SubjectErased(UUID(detail))
    return None


def _dump(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def _request_hash(
    stream: StreamRef,
    expected_version: int | None,
    batch: Batch,
    keys: dict[UUID, bytes],
) -> str:
    """What makes two appends "the same request" for idempotency. Event ids are left out (a
    retry may mint new ones), and so is metadata (a retry carries a new request id); personal
    values enter only through a keyed digest."""
    described = [
        {
            "type": e.type,
            "schema_version": e.schema_version,
            "data": data,
            "personal": fingerprint_fields(keys[e.subject_id], e.personal)
            if e.personal and e.subject_id
            else None,
            "subject_id": str(e.subject_id) if e.subject_id else None,
            "location_id": str(e.location_id) if e.location_id else None,
        }
        for e, data in zip(batch.events, batch.data, strict=True)
    ]
    request = {
        "stream": [stream.type, str(stream.id)],
        "expected": expected_version,
        "events": described,
    }
    return hashlib.sha256(msgspec.json.encode(request)).hexdigest()
