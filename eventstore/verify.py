"""Recomputing a tenant's hash chain from the stored rows, naming the first event that is wrong."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import msgspec

from eventstore import chain
from eventstore.connection import ConnectionSource, tenant_transaction
from eventstore.reading import EVENT_COLUMNS

BATCH = 2000

MISSING = "missing"
HASH_MISMATCH = "hash_mismatch"
REORDERED = "reordered"
HEAD_MISMATCH = "head_mismatch"
VERSION_GAP = "version_gap"


@dataclass(frozen=True, slots=True)
class ChainReport:
    tenant_id: UUID
    checked: int
    head_seq: int
    first_bad_seq: int | None = None
    problem: str | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.problem is None

    def describe(self) -> str:
        if self.ok:
            return (
                f"tenant {self.tenant_id}: chain intact, {self.checked} events,"
                f" head seq {self.head_seq}"
            )
        return (
            f"tenant {self.tenant_id}: first bad seq {self.first_bad_seq} ({self.problem}):"
            f" {self.detail}"
        )


def row_envelope(row: Any) -> dict[str, Any]:
    """The envelope of a stored row, exactly as it was hashed on append."""
    return chain.envelope(
        tenant_id=row["tenant_id"],
        event_id=row["event_id"],
        stream_type=row["stream_type"],
        stream_id=row["stream_id"],
        version=row["version"],
        event_type=row["event_type"],
        schema_version=row["schema_version"],
        data=msgspec.json.decode(row["data"]),
        personal=msgspec.json.decode(row["personal"]) if row["personal"] is not None else None,
        subject_id=row["subject_id"],
        metadata=msgspec.json.decode(row["metadata"]),
        location_id=row["location_id"],
        recorded_at=row["recorded_at"],
        idempotency_key=row["idempotency_key"],
    )


async def verify_chain(pool: ConnectionSource, tenant_id: UUID) -> ChainReport:
    """Walk the tenant's events in `seq` order in one consistent snapshot and re-link them.
    `pool`: an `asyncpg.Pool` or a SQLAlchemy engine."""
    async with tenant_transaction(
        pool, tenant_id, isolation="repeatable_read", readonly=True
    ) as conn:
        head = await conn.fetchrow(
            "SELECT seq, chain_hash FROM tenant_heads WHERE tenant_id = $1", tenant_id
        )
        head_seq = head["seq"] if head else 0
        previous, expected = chain.GENESIS, 1
        versions: dict[UUID, int] = {}  # each stream's last version so far: they run 1, 2, 3, ...
        while True:
            rows = await conn.fetch(
                f"SELECT {EVENT_COLUMNS} FROM events WHERE tenant_id = $1 AND seq >= $2"
                " ORDER BY seq LIMIT $3",
                tenant_id,
                expected,
                BATCH,
            )
            for row in rows:
                if row["seq"] != expected:
                    return ChainReport(
                        tenant_id,
                        expected - 1,
                        head_seq,
                        expected,
                        MISSING,
                        f"seq {expected} is missing; the next stored event is seq {row['seq']}",
                    )
                digest = chain.event_hash(row_envelope(row))
                stored = bytes(row["chain_hash"])
                if chain.link(previous, digest) != stored:
                    return await _mismatch(conn, tenant_id, row, digest, expected - 1, head_seq)
                stream, version = row["stream_id"], row["version"]
                if version != versions.get(stream, 0) + 1:
                    return ChainReport(
                        tenant_id,
                        expected - 1,
                        head_seq,
                        expected,
                        VERSION_GAP,
                        f"stream {stream} goes from version {versions.get(stream, 0)} to"
                        f" {version} at seq {expected}",
                    )
                versions[stream] = version
                previous, expected = stored, expected + 1
            if len(rows) < BATCH:
                break
        checked = expected - 1
        head_hash = bytes(head["chain_hash"]) if head else chain.GENESIS
        if (checked, previous) != (head_seq, head_hash):
            if checked < head_seq:
                return ChainReport(
                    tenant_id,
                    checked,
                    head_seq,
                    checked + 1,
                    MISSING,
                    f"the head says seq {head_seq} but the stored events end at seq {checked}",
                )
            return ChainReport(
                tenant_id,
                checked,
                head_seq,
                checked,
                HEAD_MISMATCH,
                "the tenant head does not match the last stored event",
            )
        return ChainReport(tenant_id, checked, head_seq)


async def _mismatch(
    conn: Any, tenant_id: UUID, row: Any, digest: bytes, checked: int, head_seq: int
) -> ChainReport:
    """Tell an event moved from elsewhere (it links onto another event's hash) from one whose
    content was altered (it links onto nothing)."""
    seq = row["seq"]
    stored = bytes(row["chain_hash"])
    if chain.link(chain.GENESIS, digest) == stored:
        return ChainReport(
            tenant_id, checked, head_seq, seq, REORDERED, f"the event at seq {seq} belongs at seq 1"
        )
    others = await conn.fetch("SELECT seq, chain_hash FROM events WHERE tenant_id = $1", tenant_id)
    for other in others:
        if other["seq"] != seq - 1 and chain.link(bytes(other["chain_hash"]), digest) == stored:
            return ChainReport(
                tenant_id,
                checked,
                head_seq,
                seq,
                REORDERED,
                f"the event at seq {seq} was written after the event now at seq {other['seq']}",
            )
    return ChainReport(
        tenant_id,
        checked,
        head_seq,
        seq,
        HASH_MISMATCH,
        f"the stored content of seq {seq} does not match its chain hash (event {row['event_id']})",
    )
