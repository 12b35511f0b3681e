"""Appending to and reading from the event store."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

import asyncpg

from eventstore import chain, subjects
from eventstore.append_sql import (
    KEY_CREATED_CONCURRENTLY,
)
from eventstore.appending import Batch, append_statement, translated
from eventstore.connection import ConnectionSource, borrower, tenant_transaction
from eventstore.crypto import Keyring
from eventstore.group_commit import GroupCommit, Lease, Pending
from eventstore.held import HeldConnection
from eventstore.model import (
    AppendResult,
    NewEvent,
    RecordedEvent,
    StreamRef,
)
from eventstore.reading import READ_LOG, READ_STREAM, READ_STREAMS, decode_rows
from eventstore.upcasting import Upcasters

#: Pass as `expected_version` to append whatever the stream's version is (use sparingly).
ANY_VERSION = None

ERASURE_STREAM_TYPE = "data-subject"
ERASURE_EVENT_TYPE = "DataSubjectErased"

#: Takes the tenant's append lock and reads the stream's version under it (ANY_VERSION).
_LOCKED_VERSION = "SELECT stream_version FROM eventstore_begin_append($1, $2, NULL)"
#: How often an append starts again after another append created one of its subjects' keys.
_KEY_RACE_ATTEMPTS = 3
_NO_KEYS = subjects.WritingKeys({}, [])


class EventStore:
    """Per-tenant, hash-chained, append-only event streams with encrypted personal fields.

    `pool` is where connections come from: the store's own `asyncpg.Pool`
    (`eventstore.connection.open_pool`: the fast path) or a SQLAlchemy `AsyncEngine` (each
    borrow then costs SQLAlchemy's checkout).

    Appends of one event with an expected version and no personal data are committed in groups
    (eventstore/group_commit.py): those this process makes while another is in flight go to the
    database together, in shared statements, with up to `append_connections` in flight at once.
    With an asyncpg pool, the store keeps that many of its connections for them while appends
    keep coming (eventstore/held.py)."""

    def __init__(
        self,
        pool: ConnectionSource,
        keyring: Keyring,
        upcasters: Upcasters | None = None,
        *,
        max_batch: int = 64,
        append_connections: int = 1,
    ) -> None:
        if append_connections < 1 or max_batch < 1:
            raise ValueError("append_connections and max_batch must be at least 1")
        self.pool = pool
        self.keyring = keyring
        self.upcasters = upcasters or Upcasters()
        self._borrow = borrower(pool)
        leases: list[Lease]
        if isinstance(pool, asyncpg.Pool):
            self.held = [HeldConnection(pool) for _ in range(append_connections)]
            leases = [_lease(held) for held in self.held]
        else:
            self.held = []
            leases = [self._borrow] * append_connections
        self.group = GroupCommit(leases, max_batch)

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
        data: the subjects' keys are looked up first). One event without personal data goes
        through group commit: that statement may carry other concurrent appends too, each
        checked and refused on its own. ANY_VERSION takes a transaction: lock and read the
        version, then append."""
        if not events:
            raise ValueError("append needs at least one event")
        if expected_version is None:
            async with self._borrow() as conn, conn.transaction():
                return await self.append_in(
                    conn, tenant_id, stream, expected_version, events, idempotency_key, metadata
                )
        batch = Batch.of(events, metadata)
        if len(events) == 1 and not batch.personal_subjects:
            _, arguments = append_statement(
                self.keyring.kek_id,
                tenant_id,
                stream,
                expected_version,
                expected_version,
                batch,
                _NO_KEYS,
                idempotency_key,
            )
            return await self.group.append(Pending(stream, idempotency_key, arguments))
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
                statement, arguments = append_statement(
                    self.keyring.kek_id,
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
                    error = translated(exc, stream, expected_version, idempotency_key)
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
        batch = Batch.of(events, metadata)
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
        statement, arguments = append_statement(
            self.keyring.kek_id,
            tenant_id,
            stream,
            expected_version,
            version,
            batch,
            keys,
            idempotency_key,
        )
        try:
            row = await conn.fetchrow(statement, *arguments)
        except asyncpg.PostgresError as exc:
            error = translated(exc, stream, version, idempotency_key)
            if error is None:
                raise
            raise error from exc
        return AppendResult(row[0], row[1], row[2])

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
            READ_STREAM,
            tenant_id,
            stream_id,
            to_version,
            as_of,
        )
        return await decode_rows(conn, self.keyring, self.upcasters, tenant_id, rows)

    async def read_streams(
        self, tenant_id: UUID, stream_ids: Sequence[UUID]
    ) -> dict[UUID, list[RecordedEvent]]:
        """Several whole streams in one read (those with no events are absent), each in order."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            return await self.read_streams_in(conn, tenant_id, stream_ids)

    async def read_streams_in(
        self, conn: Any, tenant_id: UUID, stream_ids: Sequence[UUID]
    ) -> dict[UUID, list[RecordedEvent]]:
        """`read_streams` inside a transaction the caller holds (with its binding set)."""
        rows = await conn.fetch(READ_STREAMS, tenant_id, list(stream_ids))
        events = await decode_rows(conn, self.keyring, self.upcasters, tenant_id, rows)
        streams: dict[UUID, list[RecordedEvent]] = {}
        for event in events:
            streams.setdefault(event.stream_id, []).append(event)
        return streams

    async def read_log(
        self, tenant_id: UUID, after_seq: int = 0, limit: int = 500
    ) -> list[RecordedEvent]:
        """The tenant's events after `after_seq`, in `seq` order: what projections consume.
        Appends hold the tenant's head lock until commit, so no later batch can skip a gap."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            rows = await conn.fetch(
                READ_LOG,
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


def _lease(held: HeldConnection) -> Callable[[], HeldConnection]:
    return lambda: held
