"""Reading a home's events straight from the log (index `events_location_idx`), reader bound."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from eventstore import EventStore, RecordedEvent
from eventstore.binding import Binding
from eventstore.connection import bound_transaction
from eventstore.reading import EVENT_COLUMNS, decode_rows

_AT_HOMES = f"""
SELECT {EVENT_COLUMNS} FROM events
 WHERE tenant_id = $1 AND location_id IS NOT NULL
   AND ($2::uuid[] IS NULL OR location_id = ANY($2))
   AND ($3::text[] IS NULL OR event_type = ANY($3))
   AND ($4::timestamptz IS NULL OR recorded_at >= $4)
   AND ($5::timestamptz IS NULL OR recorded_at <= $5)
   AND seq > $6
 ORDER BY seq
 LIMIT $7"""


async def events_at_homes(
    store: EventStore,
    tenant_id: UUID,
    homes: Sequence[UUID] | None,
    *,
    types: Sequence[str] | None = None,
    recorded_from: datetime | None = None,
    recorded_to: datetime | None = None,
    after_seq: int = 0,
    limit: int = 100_000,
    binding: Binding,
) -> list[RecordedEvent]:
    """The events of these homes (None: every home of the tenant), in `seq` order, as `binding`
    may see them. Row-level security binds the reader as well as the WHERE clause, so no other
    tenant's row (and, for an external viewer, no home it was not granted) is read."""
    async with bound_transaction(store.pool, binding) as conn:
        rows = await conn.fetch(
            _AT_HOMES,
            tenant_id,
            list(homes) if homes is not None else None,
            list(types) if types is not None else None,
            recorded_from,
            recorded_to,
            after_seq,
            limit,
        )
        return await decode_rows(conn, store.keyring, store.upcasters, tenant_id, rows)
