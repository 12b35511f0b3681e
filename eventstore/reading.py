"""Turning stored rows back into events: decrypt personal fields (or redact them), then upcast."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import msgspec

from eventstore import subjects
from eventstore.crypto import Keyring, decrypt_fields
from eventstore.model import REDACTED, RecordedEvent
from eventstore.upcasting import Upcasters

#: jsonb columns are read as text and decoded here, whatever codec the pool has installed.
EVENT_COLUMNS = (
    "tenant_id, seq, event_id, stream_type, stream_id, version, event_type, schema_version,"
    " data::text AS data, personal::text AS personal, subject_id, metadata::text AS metadata,"
    " location_id, recorded_at, idempotency_key, chain_hash"
)
#: One stream in version order, up to a version and/or a moment; and a tenant's log in batches.
READ_STREAM = (
    f"SELECT {EVENT_COLUMNS} FROM events WHERE tenant_id = $1 AND stream_id = $2"
    " AND ($3::int IS NULL OR version <= $3)"
    " AND ($4::timestamptz IS NULL OR recorded_at <= $4) ORDER BY version"
)
READ_LOG = (
    f"SELECT {EVENT_COLUMNS} FROM events WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
)
#: Several whole streams at once (a page of records), each in version order.
READ_STREAMS = (
    f"SELECT {EVENT_COLUMNS} FROM events WHERE tenant_id = $1 AND stream_id = ANY($2::uuid[])"
    " ORDER BY stream_id, version"
)


async def decode_rows(
    conn: Any, keyring: Keyring, upcasters: Upcasters, tenant_id: UUID, rows: Sequence[Any]
) -> list[RecordedEvent]:
    keys = await subjects.keys_for_reading(
        conn, keyring, tenant_id, (r["subject_id"] for r in rows if r["personal"] is not None)
    )
    return [decode_row(row, keys, upcasters) for row in rows]


def decode_row(row: Any, keys: dict[UUID, bytes], upcasters: Upcasters) -> RecordedEvent:
    data = msgspec.json.decode(row["data"])
    redacted = False
    if row["personal"] is not None:
        sealed = msgspec.json.decode(row["personal"])
        key = keys.get(row["subject_id"])
        if key is None:
            data.update(dict.fromkeys(sealed, REDACTED))
            redacted = True
        else:
            data.update(decrypt_fields(key, row["tenant_id"], row["event_id"], sealed))
    schema_version, data = upcasters.upcast(row["event_type"], row["schema_version"], data)
    return RecordedEvent(
        tenant_id=UUID(str(row["tenant_id"])),
        seq=row["seq"],
        event_id=UUID(str(row["event_id"])),
        stream_type=row["stream_type"],
        stream_id=UUID(str(row["stream_id"])),
        version=row["version"],
        type=row["event_type"],
        schema_version=schema_version,
        data=data,
        metadata=msgspec.json.decode(row["metadata"]),
        subject_id=_uuid(row["subject_id"]),
        location_id=_uuid(row["location_id"]),
        recorded_at=row["recorded_at"],
        redacted=redacted,
    )


def _uuid(value: Any) -> UUID | None:
    return None if value is None else UUID(str(value))
