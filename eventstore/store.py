"""Appending to and reading from the event store."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid5

import asyncpg
import msgspec

from eventstore import chain, subjects
from eventstore.connection import ConnectionSource, borrower, tenant_transaction
from eventstore.crypto import Keyring, encrypt_fields, fingerprint_fields
from eventstore.model import (
    AppendResult,
    ConcurrencyError,
    EventStoreError,
    IdempotencyConflict,
    NewEvent,
    RecordedEvent,
    StreamRef,
    StreamTypeMismatch,
    SubjectErased,
)
from eventstore.reading import EVENT_COLUMNS, decode_rows
from eventstore.schema import (
    IDEMPOTENCY_CONFLICT,
    KEY_CREATED_CONCURRENTLY,
    SUBJECT_ERASED,
    WRONG_STREAM_TYPE,
    WRONG_VERSION,
)
from eventstore.upcasting import Upcasters

#: Pass as `expected_version` to append whatever the stream's version is (use sparingly).
ANY_VERSION = None

ERASURE_STREAM_TYPE = "data-subject"
ERASURE_EVENT_TYPE = "DataSubjectErased"

#: The whole append, one statement: one event (schema.APPEND_ONE_FUNCTION) or a batch
#: (schema.APPEND_FUNCTION).
_APPEND_ONE = (
    "SELECT stream_version, last_seq, duplicate FROM eventstore_append_one($1, $2, $3, $4, $5,"
    " $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
)
_APPEND = (
    "SELECT stream_version, last_seq, duplicate FROM eventstore_append($1, $2, $3, $4, $5, $6, $7,"
    " $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)"
)
#: Takes the tenant's append lock and reads the stream's version under it (ANY_VERSION).
_LOCKED_VERSION = "SELECT stream_version FROM eventstore_begin_append($1, $2, NULL)"
#: How often an append starts again after another append created one of its subjects' keys.
_KEY_RACE_ATTEMPTS = 3
_NO_KEYS = subjects.WritingKeys({}, [])


class EventStore:
    """Per-tenant, hash-chained, append-only event streams with encrypted personal fields.

    `pool` is where connections come from: the store's own `asyncpg.Pool`
    (`eventstore.connection.open_pool`: the fast path) or a SQLAlchemy `AsyncEngine` (each
    borrow then costs SQLAlchemy's checkout)."""

    def __init__(
        self, pool: ConnectionSource, keyring: Keyring, upcasters: Upcasters | None = None
    ) -> None:
        self.pool = pool
        self.keyring = keyring
        self.upcasters = upcasters or Upcasters()
        self._borrow = borrower(pool)

    @property
    def engine(self) -> ConnectionSource:
        """The connection source under its former name (it was a SQLAlchemy engine)."""
        return self.pool

    async def append(
        self,
        tenant_id: UUID,
        stream: StreamRef,
        expected_version: int | None,
        events: Sequence[NewEvent],
        idempotency_key: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> AppendResult:
        """Append a batch atomically; `expected_version` 0 means the stream must be new.

        With an expected version this is one statement, so one round trip (two with personal
        data: the subjects' keys are looked up first). ANY_VERSION takes a transaction: lock
        and read the version, then append."""
        if not events:
            raise ValueError("append needs at least one event")
        if expected_version is None:
            async with self._borrow() as conn, conn.transaction():
                return await self.append_in(
                    conn, tenant_id, stream, expected_version, events, idempotency_key, metadata
                )
        batch = _Batch.of(events, metadata)
        async with self._borrow() as conn:
            attempt = 1
            while True:
                keys = (
                    await subjects.keys_for_writing(
                        conn, self.keyring, tenant_id, batch.personal_subjects, lock=False
                    )
                    if batch.personal_subjects
                    else _NO_KEYS
                )
                statement, arguments = self._statement(
                    tenant_id,
                    stream,
                    expected_version,
                    expected_version,
                    batch,
                    keys,
                    idempotency_key,
                )
                try:
                    row = await conn.fetchrow(statement, *arguments)
                except asyncpg.PostgresError as exc:
                    if exc.sqlstate == KEY_CREATED_CONCURRENTLY and attempt < _KEY_RACE_ATTEMPTS:
                        attempt += 1  # autocommit: nothing was stored; use the stored key now
                        continue
                    error = _translated(exc, stream, expected_version, idempotency_key)
                    if error is None:
                        raise
                    raise error from exc
                return AppendResult(row[0], row[1], row[2])

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
        """`append` inside a transaction the caller already holds on `conn`. The tenant's append
        lock is then held until the caller commits. An error the database raises (a concurrency
        error, say) aborts the caller's transaction, like any failed statement."""
        if not events:
            raise ValueError("append needs at least one event")
        batch = _Batch.of(events, metadata)
        version = expected_version
        if version is None:
            version = await conn.fetchval(_LOCKED_VERSION, tenant_id, stream.id)
        keys = (
            await subjects.keys_for_writing(
                conn, self.keyring, tenant_id, batch.personal_subjects, lock=True
            )
            if batch.personal_subjects
            else _NO_KEYS
        )
        statement, arguments = self._statement(
            tenant_id, stream, expected_version, version, batch, keys, idempotency_key
        )
        try:
            row = await conn.fetchrow(statement, *arguments)
        except asyncpg.PostgresError as exc:
            error = _translated(exc, stream, version, idempotency_key)
            if error is None:
                raise
            raise error from exc
        return AppendResult(row[0], row[1], row[2])

    def _statement(
        self,
        tenant_id: UUID,
        stream: StreamRef,
        requested_version: int | None,
        version: int,
        batch: _Batch,
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
            return _APPEND_ONE, (
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
                self.keyring.kek_id if new_key is not None else None,
            )
        return _APPEND, (
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
            self.keyring.kek_id if keys.new else None,
        )

    async def read_stream(
        self,
        tenant_id: UUID,
        stream_id: UUID,
        *,
        to_version: int | None = None,
        as_of: datetime | None = None,
    ) -> list[RecordedEvent]:
        """One stream in order; up to a version and/or as it stood at a moment ("time travel")."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            return await self.read_stream_in(
                conn, tenant_id, stream_id, to_version=to_version, as_of=as_of
            )

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
            tenant_id,
            stream_id,
            to_version,
            as_of,
        )
        return await decode_rows(conn, self.keyring, self.upcasters, tenant_id, rows)

    async def read_log(
        self, tenant_id: UUID, after_seq: int = 0, limit: int = 500
    ) -> list[RecordedEvent]:
        """The tenant's events after `after_seq`, in `seq` order: what projections consume.
        Appends hold the tenant's head lock until commit, so no later batch can skip a gap."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            rows = await conn.fetch(
                f"SELECT {EVENT_COLUMNS} FROM events WHERE tenant_id = $1 AND seq > $2"
                " ORDER BY seq LIMIT $3",
                tenant_id,
                after_seq,
                limit,
            )
            return await decode_rows(conn, self.keyring, self.upcasters, tenant_id, rows)

    async def stream_version(self, tenant_id: UUID, stream_id: UUID) -> int:
        async with tenant_transaction(self.pool, tenant_id) as conn:
            version = await conn.fetchval(
                "SELECT coalesce(max(version), 0) FROM events"
                " WHERE tenant_id = $1 AND stream_id = $2",
                tenant_id,
                stream_id,
            )
            return int(version)

    async def head(self, tenant_id: UUID) -> tuple[int, bytes]:
        """The tenant's last `seq` and chain hash (0 and the genesis hash if it has no events)."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            row = await conn.fetchrow(
                "SELECT seq, chain_hash FROM tenant_heads WHERE tenant_id = $1", tenant_id
            )
        return (row["seq"], bytes(row["chain_hash"])) if row else (0, chain.GENESIS)

    async def erase_subject(
        self, tenant_id: UUID, subject_id: UUID, metadata: dict[str, Any] | None = None
    ) -> AppendResult:
        """Crypto-shred a data subject: destroy their key and record that it was done.
        Their personal fields then read as REDACTED everywhere; the chain is untouched."""
        # The stream id is derived, not the subject id itself: that is often already the id of the
        # person's own record stream, and one id cannot name two stream types.
        stream = StreamRef(ERASURE_STREAM_TYPE, uuid5(subject_id, ERASURE_STREAM_TYPE))
        async with tenant_transaction(self.pool, tenant_id) as conn:
            # Take the tenant's append lock before destroying the key: an append creating this
            # subject's first key then either commits first (and its key is destroyed here) or
            # starts after and sees the erasure. Without it that new key would survive erasure.
            await conn.execute(
                "SELECT FROM eventstore_begin_append($1, $2, NULL)", tenant_id, stream.id
            )
            destroyed = await subjects.destroy_key(conn, tenant_id, subject_id)
            erased = NewEvent(
                ERASURE_EVENT_TYPE, {"subject_id": str(subject_id), "key_destroyed": destroyed}
            )
            return await self.append_in(conn, tenant_id, stream, None, [erased], None, metadata)


@dataclass(frozen=True, slots=True)
class _Batch:
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
    def of(cls, events: Sequence[NewEvent], metadata: dict[str, Any] | None) -> _Batch:
        data_json = [msgspec.json.encode(e.data) for e in events]
        metadata_json = msgspec.json.encode(metadata or {})
        return cls(
            events=events,
            data=[msgspec.json.decode(raw) for raw in data_json],
            data_json=[raw.decode() for raw in data_json],
            metadata=msgspec.json.decode(metadata_json),
            metadata_json=metadata_json.decode(),
            personal_subjects=sorted({e.subject_id for e in events if e.personal and e.subject_id}),
        )


def _translated(
    exc: asyncpg.PostgresError, stream: StreamRef, expected: int | None, idempotency_key: str | None
) -> EventStoreError | None:
    """The store's own exception for one of eventstore_append's SQLSTATEs, else None."""
    state, detail = exc.sqlstate, getattr(exc, "detail", None) or ""
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
    batch: _Batch,
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
