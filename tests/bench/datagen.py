"""Realistic bulk history for benchmarks: one provider group, many homes, written with COPY.

Every event is a real, typed domain event (services/*/events.py) encoded as the command path
encodes it (`to_new_event`), hashed with the event store's own chain code (`eventstore.chain`)
and linked onto the tenant's chain after the events the real path wrote first (the provider
group and its admin), so `caretrail verify` passes, the projections fold it and the record
index (`records`) lists every record at its final state, folded with each context's `evolve`.

The group behaves like a steady one: each home raises actions, reports incidents, receives
complaints and runs audits at a constant rate, and records close within weeks of being created
(a few run late), so a longer history means more closed records, not more open ones. The span of
time grows with the number of events, ending now.

Usage (superuser DSN: COPY into tables under row-level security needs it):

    group = await generate_group(records, superuser_dsn, homes=300, events=100_000)
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import msgspec
import rfc8785

from eventstore import chain
from services.kernel.events import Event, to_new_event
from services.kernel.handling import Records
from services.organisations.directory import create_provider_group
from tests.bench.datagen_records import (
    EVENTS_PER_HOME_PER_DAY,
    GeneratedRecord,
    Lifecycles,
    history,
    uuid_for,
)

_COPY_ROWS = 20_000
_EVENT_COLUMNS = (
    "tenant_id",
    "seq",
    "event_id",
    "stream_type",
    "stream_id",
    "version",
    "event_type",
    "schema_version",
    "data",
    "personal",
    "subject_id",
    "metadata",
    "location_id",
    "recorded_at",
    "idempotency_key",
    "chain_hash",
)
_RECORD_COLUMNS = (
    "tenant_id",
    "collection",
    "record_id",
    "location_id",
    "status",
    "reference",
    "key_date",
    "version",
    "summary",
    "created_at",
    "updated_at",
)


@dataclass(frozen=True, slots=True)
class GeneratedGroup:
    tenant_id: UUID
    admin_id: UUID
    homes: list[UUID]
    events: int  # events in the tenant's log, the group's own first events included
    records: dict[str, int]  # records generated per collection
    first_day: date


@dataclass(slots=True)
class _Writer:
    """Links events onto the chain in order and buffers rows for COPY."""

    tenant_id: UUID
    seq: int
    previous: bytes
    metadata: dict[str, Any]
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    index_rows: list[tuple[Any, ...]] = field(default_factory=list)
    _metadata_json: str = ""

    def __post_init__(self) -> None:
        self._metadata_json = msgspec.json.encode(self.metadata).decode()

    def add(self, record_id: UUID, record: GeneratedRecord, event: Event, at: datetime) -> None:
        new = to_new_event(event, record.location_id)
        assert new.personal is None, "benchmark data holds no personal fields"
        data_json = msgspec.json.encode(new.data).decode()
        data = msgspec.json.decode(data_json)  # what is hashed is what jsonb gives back
        record.version += 1
        self.seq += 1
        event_id = uuid_for(self.tenant_id, "event", self.seq)
        envelope = chain.envelope(
            tenant_id=self.tenant_id,
            event_id=event_id,
            stream_type=record.decider.stream_type,
            stream_id=record_id,
            version=record.version,
            event_type=new.type,
            schema_version=new.schema_version,
            data=data,
            personal=None,
            subject_id=None,
            metadata=self.metadata,
            location_id=record.location_id,
            recorded_at=at,
            idempotency_key=None,
        )
        canonical = _canonical(envelope)
        if new.type not in _CHECKED or self.seq % 997 == 0:  # the same bytes as the store's
            assert canonical == chain.canonical(envelope), new.type
            _CHECKED.add(new.type)
        self.previous = chain.link(self.previous, hashlib.sha256(canonical).digest())
        self.rows.append(
            (
                self.tenant_id,
                self.seq,
                event_id,
                record.decider.stream_type,
                record_id,
                record.version,
                new.type,
                new.schema_version,
                data_json,
                None,
                None,
                self._metadata_json,
                record.location_id,
                at,
                None,
                self.previous,
            )
        )
        record.state = record.decider.evolve(record.state, event)
        record.pending -= 1

    def index(self, record_id: UUID, record: GeneratedRecord, at: datetime) -> None:
        row = record.decider.index(record.state)
        self.index_rows.append(
            (
                self.tenant_id,
                record.decider.collection,
                record_id,
                row.location_id,
                row.status,
                row.reference,
                row.key_date,
                record.version,
                msgspec.json.encode(row.summary).decode(),
                record.created_at,
                at,
            )
        )


_CHECKED: set[str] = set()


def _canonical(envelope: dict[str, Any]) -> bytes:
    """`chain.canonical` (RFC 8785) of a generated envelope, faster when its data holds floats
    (audit thresholds and scores, which send chain.canonical to pure-Python rfc8785): msgspec
    writes the same bytes when every string is ASCII and every float is non-integral and
    between 1e-4 and 1e16 (there, the shortest round-trip digits in plain decimal notation are
    the ES6 form RFC 8785 asks for). Generated data has floats only at the top of `data`."""
    floats = [v for v in envelope["data"].values() if type(v) is float]
    if not floats:
        return chain.canonical(envelope)
    if all(v != int(v) and 1e-4 <= abs(v) < 1e16 for v in floats):
        out = msgspec.json.encode(envelope, order="sorted")
        if out.isascii():
            return out
    return rfc8785.dumps(envelope)


async def generate_group(
    records: Records,
    superuser_dsn: str,
    *,
    homes: int = 300,
    events: int = 100_000,
    seed: int = 1,
    name: str = "Bench Care Group",
    now: datetime | None = None,
) -> GeneratedGroup:
    """A new provider group (created through the real command path) with `homes` homes and
    about `events` events of history (within a few per cent) ending `now`, COPYed onto its
    chain, with every record in the record index at its final state."""
    now = now or datetime.now(UTC)
    created = await create_provider_group(
        records, f"{name} {seed}-{homes}-{events}", f"bench-{seed}-{events}@example.org", "Ada"
    )
    tenant_id = created.tenant_id
    lifecycles = Lifecycles(tenant_id, created.admin_user_id, random.Random(seed))
    conn = await asyncpg.connect(superuser_dsn)
    try:
        head = await conn.fetchrow(
            "SELECT seq, chain_hash FROM tenant_heads WHERE tenant_id = $1", tenant_id
        )
        writer = _Writer(
            tenant_id,
            int(head["seq"]),
            bytes(head["chain_hash"]),
            {"actor": str(created.admin_user_id), "organisation_id": str(tenant_id)},
        )
        home_ids = [uuid_for(tenant_id, "home", n) for n in range(homes)]
        made: dict[UUID, GeneratedRecord] = {}
        target = max(events - writer.seq, homes)
        for rid, record, event, at in history(lifecycles, made, home_ids, target, now):
            writer.add(rid, record, event, at)
            if record.pending == 0:
                writer.index(rid, record, at)
            if len(writer.rows) >= _COPY_ROWS:
                await _flush(conn, writer)
        counts: dict[str, int] = {}
        for rid, record in made.items():
            if record.version:
                counts[record.decider.collection] = counts.get(record.decider.collection, 0) + 1
            if record.pending and record.version:  # cut short by `now`: indexed as it stands
                writer.index(rid, record, now)
        await _flush(conn, writer)
        await conn.execute(
            "UPDATE tenant_heads SET seq = $2, chain_hash = $3, updated_at = now()"
            " WHERE tenant_id = $1",
            tenant_id,
            writer.seq,
            writer.previous,
        )
        # Each stream's head, as the append functions keep it (eventstore/append_sql.py).
        await conn.execute(
            "INSERT INTO stream_heads (tenant_id, stream_id, stream_type, version)"
            " SELECT DISTINCT ON (stream_id) tenant_id, stream_id, stream_type, version"
            "   FROM events WHERE tenant_id = $1 ORDER BY stream_id, version DESC"
            " ON CONFLICT (tenant_id, stream_id) DO UPDATE SET version = excluded.version",
            tenant_id,
        )
        await conn.executemany(
            "INSERT INTO reference_counters (tenant_id, name, value) VALUES ($1, $2, $3)"
            " ON CONFLICT (tenant_id, name) DO UPDATE SET value = excluded.value",
            [(tenant_id, prefix, value) for prefix, value in lifecycles.references.items()],
        )
        await conn.execute("ANALYZE events")
        await conn.execute("ANALYZE records")
    finally:
        await conn.close()
    first_day = (now - timedelta(days=target / (homes * EVENTS_PER_HOME_PER_DAY))).date()
    return GeneratedGroup(tenant_id, created.admin_user_id, home_ids, writer.seq, counts, first_day)


async def _flush(conn: asyncpg.Connection, writer: _Writer) -> None:
    if writer.rows:
        await conn.copy_records_to_table("events", records=writer.rows, columns=_EVENT_COLUMNS)
        writer.rows.clear()
    if writer.index_rows:
        await conn.copy_records_to_table(
            "records", records=writer.index_rows, columns=_RECORD_COLUMNS
        )
        writer.index_rows.clear()
