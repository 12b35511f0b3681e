"""The `records` table: each record's non-personal index row, and per-tenant reference numbers."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from services.kernel.decider import RecordIndex
from services.kernel.errors import InvalidCommand

_UPSERT = """
INSERT INTO records (tenant_id, collection, record_id, location_id, status, reference, key_date,
                     version, summary, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $10)
ON CONFLICT (tenant_id, collection, record_id) DO UPDATE
   SET location_id = EXCLUDED.location_id, status = EXCLUDED.status,
       reference = EXCLUDED.reference, key_date = EXCLUDED.key_date,
       version = EXCLUDED.version, summary = EXCLUDED.summary, updated_at = EXCLUDED.updated_at
"""


async def upsert(
    conn: Any,
    tenant_id: UUID,
    collection: str,
    record_id: UUID,
    row: RecordIndex,
    version: int,
    now: datetime,
) -> None:
    summary = msgspec.json.encode(row.summary).decode()
    await conn.execute(
        _UPSERT,
        tenant_id,
        collection,
        record_id,
        row.location_id,
        row.status,
        row.reference,
        row.key_date,
        version,
        summary,
        now,
    )


async def next_reference(conn: Any, tenant_id: UUID, prefix: str) -> str:
    """ACT-000123: gapless per tenant and prefix (the counter row is locked until commit)."""
    value = await conn.fetchval(
        "INSERT INTO reference_counters (tenant_id, name, value) VALUES ($1, $2, 1)"
        " ON CONFLICT (tenant_id, name) DO UPDATE SET value = reference_counters.value + 1"
        " RETURNING value",
        tenant_id,
        prefix,
    )
    return f"{prefix}-{value:06d}"


@dataclass(frozen=True, slots=True)
class ListQuery:
    collection: str
    location_id: UUID | None = None
    status: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    #: None: every home of the tenant; otherwise only these homes (a scoped caller).
    within_locations: Sequence[UUID] | None = None
    #: With within_locations: also records that belong to no home (shared templates).
    include_unlocated: bool = False
    cursor: str | None = None
    limit: int = 50


@dataclass(frozen=True, slots=True)
class IndexedRecord:
    record_id: UUID
    location_id: UUID | None
    status: str
    reference: str | None
    key_date: datetime | None
    version: int
    summary: dict[str, Any]
    created_at: datetime
    updated_at: datetime


async def list_records(
    conn: Any, tenant_id: UUID, query: ListQuery
) -> tuple[list[IndexedRecord], str | None]:
    """One page in creation order, and the cursor of the next page (None on the last)."""
    after_time, after_id = _decode_cursor(query.cursor) if query.cursor else (None, None)
    rows = await conn.fetch(
        """
        SELECT record_id, location_id, status, reference, key_date, version, summary::text AS summary,
               created_at, updated_at
          FROM records
         WHERE tenant_id = $1 AND collection = $2
           AND ($3::uuid IS NULL OR location_id = $3)
           AND ($4::text IS NULL OR status = $4)
           AND ($5::timestamptz IS NULL OR key_date >= $5)
           AND ($6::timestamptz IS NULL OR key_date <= $6)
           AND ($7::uuid[] IS NULL OR location_id = ANY($7) OR ($11 AND location_id IS NULL))
           AND ($8::timestamptz IS NULL OR (created_at, record_id) > ($8, $9::uuid))
         ORDER BY created_at, record_id
         LIMIT $10
        """,
        tenant_id,
        query.collection,
        query.location_id,
        query.status,
        query.date_from,
        query.date_to,
        list(query.within_locations) if query.within_locations is not None else None,
        after_time,
        after_id,
        query.limit + 1,
        query.include_unlocated,
    )
    page = [_indexed(r) for r in rows[: query.limit]]
    more = len(rows) > query.limit
    return page, _encode_cursor(page[-1].created_at, page[-1].record_id) if more and page else None


async def find(
    conn: Any, tenant_id: UUID, collection: str, record_id: UUID
) -> IndexedRecord | None:
    rows = await conn.fetch(
        "SELECT record_id, location_id, status, reference, key_date, version, summary::text AS summary,"
        " created_at, updated_at FROM records WHERE tenant_id = $1 AND collection = $2 AND record_id = $3",
        tenant_id,
        collection,
        record_id,
    )
    return _indexed(rows[0]) if rows else None


async def find_by_summary(
    conn: Any, tenant_id: UUID, collection: str, key: str, value: str
) -> list[IndexedRecord]:
    rows = await conn.fetch(
        "SELECT record_id, location_id, status, reference, key_date, version, summary::text AS summary,"
        " created_at, updated_at FROM records WHERE tenant_id = $1 AND collection = $2"
        " AND summary ->> $3 = $4",
        tenant_id,
        collection,
        key,
        value,
    )
    return [_indexed(r) for r in rows]


def _indexed(r: Any) -> IndexedRecord:
    return IndexedRecord(
        record_id=UUID(str(r["record_id"])),
        location_id=UUID(str(r["location_id"])) if r["location_id"] else None,
        status=r["status"],
        reference=r["reference"],
        key_date=r["key_date"],
        version=r["version"],
        summary=msgspec.json.decode(r["summary"]),
        created_at=r["created_at"],
        updated_at=r["updated_at"],
    )


def _encode_cursor(created_at: datetime, record_id: UUID) -> str:
    return base64.urlsafe_b64encode(f"{created_at.isoformat()}|{record_id}".encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    try:
        moment, record_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return datetime.fromisoformat(moment), UUID(record_id)
    except (ValueError, UnicodeDecodeError):
        raise InvalidCommand("cursor", "not a cursor this API returned") from None
