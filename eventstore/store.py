"""Appending to and reading from the event store."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid5

import msgspec
from sqlalchemy.ext.asyncio import AsyncEngine

from eventstore import chain, subjects
from eventstore.connection import raw_connection, tenant_transaction
from eventstore.crypto import Keyring, encrypt_fields, fingerprint_fields
from eventstore.model import (
    AppendResult,
    ConcurrencyError,
    IdempotencyConflict,
    NewEvent,
    RecordedEvent,
    StreamRef,
    StreamTypeMismatch,
)
from eventstore.reading import EVENT_COLUMNS, decode_rows
from eventstore.upcasting import Upcasters

#: Pass as `expected_version` to append whatever the stream's version is (use sparingly).
ANY_VERSION = None

ERASURE_STREAM_TYPE = "data-subject"
ERASURE_EVENT_TYPE = "DataSubjectErased"

_INSERT = """
INSERT INTO events (tenant_id, seq, event_id, stream_type, stream_id, version, event_type,
                    schema_version, data, personal, subject_id, metadata, location_id,
                    recorded_at, idempotency_key, chain_hash)
SELECT $1, r.seq, r.event_id, $2, $3, r.version, r.event_type, r.schema_version, r.data,
       r.personal, r.subject_id, $4, r.location_id, $5, $6, r.chain_hash
  FROM unnest($7::bigint[], $8::uuid[], $9::int[], $10::text[], $11::int[], $12::jsonb[],
              $13::jsonb[], $14::uuid[], $15::uuid[], $16::bytea[])
    AS r(seq, event_id, version, event_type, schema_version, data, personal, subject_id,
         location_id, chain_hash)
"""
_ADVANCE_HEAD = "UPDATE tenant_heads SET seq = $2, chain_hash = $3, updated_at = now() WHERE tenant_id = $1"
_REMEMBER_KEY = """
INSERT INTO idempotency_keys (tenant_id, idempotency_key, request_hash, stream_id,
                              stream_version, last_seq)
VALUES ($1, $2, $3, $4, $5, $6)
"""


class EventStore:
    """Per-tenant, hash-chained, append-only event streams with encrypted personal fields."""

    def __init__(self, engine: AsyncEngine, keyring: Keyring, upcasters: Upcasters | None = None):
        self.engine = engine
        self.keyring = keyring
        self.upcasters = upcasters or Upcasters()

    async def append(
        self,
        tenant_id: UUID,
        stream: StreamRef,
        expected_version: int | None,
        events: Sequence[NewEvent],
        idempotency_key: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> AppendResult:
        """Append a batch atomically; `expected_version` 0 means the stream must be new."""
        if not events:
            raise ValueError("append needs at least one event")
        async with raw_connection(self.engine) as conn, conn.transaction():
            return await self.append_in(
                conn, tenant_id, stream, expected_version, events, idempotency_key, metadata
            )

    async def append_in(
        self,
        conn: Any,
        tenant_id: UUID,
        stream: StreamRef,
        expected_version: int | None,
        events: Sequence[NewEvent],
        idempotency_key: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> AppendResult:
        """`append` inside a transaction the caller already holds on `conn`."""
        meta = _json_safe(metadata or {})
        head = await conn.fetchrow(
            "SELECT * FROM eventstore_begin_append($1, $2, $3)", tenant_id, stream.id, idempotency_key
        )
        keys = await subjects.keys_for_writing(
            conn, self.keyring, tenant_id, (e.subject_id for e in events if e.personal and e.subject_id)
        )
        if idempotency_key is not None:
            request_hash = _request_hash(stream, expected_version, events, keys)
            if head["prior_request_hash"] is not None:
                if head["prior_request_hash"] != request_hash:
                    raise IdempotencyConflict(idempotency_key)
                return AppendResult(head["prior_stream_version"], head["prior_last_seq"], duplicate=True)
        current = head["stream_version"]
        if expected_version is not None and expected_version != current:
            raise ConcurrencyError(stream.id, expected_version, current)
        if current and head["stream_type"] != stream.type:
            raise StreamTypeMismatch(f"stream {stream.id} is a {head['stream_type']}, not a {stream.type}")

        recorded_at = datetime.now(UTC)
        seq, link = head["head_seq"], head["head_hash"]
        columns: list[list[Any]] = [[] for _ in range(10)]
        for offset, event in enumerate(events, start=1):
            data = _json_safe(event.data)
            personal = None
            if event.personal:
                assert event.subject_id is not None
                personal = encrypt_fields(keys[event.subject_id], tenant_id, event.event_id, event.personal)
            version = current + offset
            envelope = chain.envelope(
                tenant_id=tenant_id, event_id=event.event_id, stream_type=stream.type,
                stream_id=stream.id, version=version, event_type=event.type,
                schema_version=event.schema_version, data=data, personal=personal,
                subject_id=event.subject_id, metadata=meta, location_id=event.location_id,
                recorded_at=recorded_at, idempotency_key=idempotency_key,
            )  # fmt: skip
            seq += 1
            link = chain.link(link, chain.event_hash(envelope))
            row = (
                seq, event.event_id, version, event.type, event.schema_version, _dump(data),
                _dump(personal) if personal is not None else None, event.subject_id,
                event.location_id, link,
            )  # fmt: skip
            for column, value in zip(columns, row, strict=True):
                column.append(value)

        await conn.execute(
            _INSERT, tenant_id, stream.type, stream.id, _dump(meta), recorded_at, idempotency_key, *columns
        )
        await conn.execute(_ADVANCE_HEAD, tenant_id, seq, link)
        version = current + len(events)
        if idempotency_key is not None:
            await conn.execute(_REMEMBER_KEY, tenant_id, idempotency_key, request_hash, stream.id, version, seq)
        return AppendResult(stream_version=version, last_seq=seq)

    async def read_stream(
        self,
        tenant_id: UUID,
        stream_id: UUID,
        *,
        to_version: int | None = None,
        as_of: datetime | None = None,
    ) -> list[RecordedEvent]:
        """One stream in order; up to a version and/or as it stood at a moment ("time travel")."""
        async with tenant_transaction(self.engine, tenant_id) as conn:
            return await self.read_stream_in(conn, tenant_id, stream_id, to_version=to_version, as_of=as_of)

    async def read_stream_in(
        self,
        conn: Any,
        tenant_id: UUID,
        stream_id: UUID,
        *,
        to_version: int | None = None,
        as_of: datetime | None = None,
    ) -> list[RecordedEvent]:
        """`read_stream` inside a transaction the caller holds (with the tenant set)."""
        rows = await conn.fetch(
            f"SELECT {EVENT_COLUMNS} FROM events WHERE tenant_id = $1 AND stream_id = $2"
            " AND ($3::int IS NULL OR version <= $3)"
            " AND ($4::timestamptz IS NULL OR recorded_at <= $4) ORDER BY version",
            tenant_id, stream_id, to_version, as_of,
        )  # fmt: skip
        return await decode_rows(conn, self.keyring, self.upcasters, tenant_id, rows)

    async def read_log(self, tenant_id: UUID, after_seq: int = 0, limit: int = 500) -> list[RecordedEvent]:
        """The tenant's events after `after_seq`, in `seq` order: what projections consume.
        Appends hold the tenant's head lock until commit, so no later batch can skip a gap."""
        async with tenant_transaction(self.engine, tenant_id) as conn:
            rows = await conn.fetch(
                f"SELECT {EVENT_COLUMNS} FROM events WHERE tenant_id = $1 AND seq > $2"
                " ORDER BY seq LIMIT $3",
                tenant_id, after_seq, limit,
            )  # fmt: skip
            return await decode_rows(conn, self.keyring, self.upcasters, tenant_id, rows)

    async def stream_version(self, tenant_id: UUID, stream_id: UUID) -> int:
        async with tenant_transaction(self.engine, tenant_id) as conn:
            return int(
                await conn.fetchval(
                    "SELECT coalesce(max(version), 0) FROM events WHERE tenant_id = $1 AND stream_id = $2",
                    tenant_id, stream_id,
                )  # fmt: skip
            )

    async def head(self, tenant_id: UUID) -> tuple[int, bytes]:
        """The tenant's last `seq` and chain hash (0 and the genesis hash if it has no events)."""
        async with tenant_transaction(self.engine, tenant_id) as conn:
            row = await conn.fetchrow("SELECT seq, chain_hash FROM tenant_heads WHERE tenant_id = $1", tenant_id)
        return (row["seq"], bytes(row["chain_hash"])) if row else (0, chain.GENESIS)

    async def erase_subject(
        self, tenant_id: UUID, subject_id: UUID, metadata: dict[str, Any] | None = None
    ) -> AppendResult:
        """Crypto-shred a data subject: destroy their key and record that it was done.
        Their personal fields then read as REDACTED everywhere; the chain is untouched."""
        # The stream id is derived, not the subject id itself: that is often already the id of the
        # person's own record stream, and one id cannot name two stream types.
        stream = StreamRef(ERASURE_STREAM_TYPE, uuid5(subject_id, ERASURE_STREAM_TYPE))
        async with tenant_transaction(self.engine, tenant_id) as conn:
            # Take the tenant's append lock before destroying the key: an append creating this
            # subject's first key then either commits first (and its key is destroyed here) or
            # starts after and sees the erasure. Without it that new key would survive erasure.
            await conn.execute(
                "SELECT FROM eventstore_begin_append($1, $2, NULL)", tenant_id, stream.id
            )
            destroyed = await subjects.destroy_key(conn, tenant_id, subject_id)
            erased = NewEvent(ERASURE_EVENT_TYPE, {"subject_id": str(subject_id), "key_destroyed": destroyed})
            return await self.append_in(conn, tenant_id, stream, None, [erased], None, metadata)


def _json_safe(value: Any) -> Any:
    """Plain JSON types only (UUIDs, dates, Structs become strings/dicts), so that what is hashed
    on append is exactly what is read back from jsonb when the chain is verified."""
    return msgspec.json.decode(msgspec.json.encode(value))


def _dump(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def _request_hash(
    stream: StreamRef,
    expected_version: int | None,
    events: Sequence[NewEvent],
    keys: dict[UUID, bytes],
) -> str:
    """What makes two appends "the same request" for idempotency. Event ids are left out (a
    retry may mint new ones), and so is metadata (a retry carries a new request id); personal
    values enter only through a keyed digest."""
    described = [
        {
            "type": e.type,
            "schema_version": e.schema_version,
            "data": _json_safe(e.data),
            "personal": fingerprint_fields(keys[e.subject_id], e.personal)
            if e.personal and e.subject_id
            else None,
            "subject_id": str(e.subject_id) if e.subject_id else None,
            "location_id": str(e.location_id) if e.location_id else None,
        }
        for e in events
    ]
    request = {"stream": [stream.type, str(stream.id)], "expected": expected_version, "events": described}
    return hashlib.sha256(msgspec.json.encode(request)).hexdigest()
