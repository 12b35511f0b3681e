"""What delivery reads from the tenant's log: alert events and subscriptions with the `seq` of
their creation and cancellation. Each function runs in a transaction the caller holds with the
tenant bound.

Alert events are read straight from the event log by `seq` (after a checkpoint, like the
projection runner), not from a projection: the delivery rows must be inserted in the same
transaction that moves the checkpoint, and a projection document could not do that.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from eventstore import RecordedEvent
from eventstore.reading import EVENT_COLUMNS, decode_rows
from services.alerts.delivery_plan import ALERT_RAISED, AlertEvent, RaisedAlert, SubscriptionTarget
from services.alerts.subscriptions import SUBSCRIPTIONS, SubscriptionCancelled
from services.kernel.handling import Records


def as_alert_event(recorded: RecordedEvent) -> AlertEvent:
    alert = msgspec.convert(recorded.data, RaisedAlert, strict=False)
    return AlertEvent(recorded.event_id, recorded.seq, recorded.recorded_at, alert)


async def _alerts(
    records: Records, conn: Any, tenant_id: UUID, where: str, *args: Any, limit: int = 10_000
) -> list[AlertEvent]:
    rows = await conn.fetch(
        f"SELECT {EVENT_COLUMNS} FROM events WHERE tenant_id = $1 AND event_type = '{ALERT_RAISED}'"
        f" AND {where} ORDER BY seq LIMIT {int(limit)}",
        tenant_id,
        *args,
    )
    store = records.store
    decoded = await decode_rows(conn, store.keyring, store.upcasters, tenant_id, rows)
    return [as_alert_event(e) for e in decoded]


async def head_seq(conn: Any, tenant_id: UUID) -> int:
    """The tenant's last committed `seq`: every event up to it is visible (appends commit in
    `seq` order under the tenant's head lock)."""
    return int(
        await conn.fetchval(
            "SELECT coalesce(max(seq), 0) FROM tenant_heads WHERE tenant_id = $1", tenant_id
        )
    )


async def alerts_after(
    records: Records, conn: Any, tenant_id: UUID, after_seq: int, up_to_seq: int, limit: int
) -> list[AlertEvent]:
    return await _alerts(
        records, conn, tenant_id, "seq > $2 AND seq <= $3", after_seq, up_to_seq, limit=limit
    )


async def alerts_recorded(
    records: Records, conn: Any, tenant_id: UUID, start: datetime, end: datetime
) -> list[AlertEvent]:
    """Alerts recorded in [start, end): a day's digest."""
    return await _alerts(
        records, conn, tenant_id, "recorded_at >= $2 AND recorded_at < $3", start, end
    )


async def alert_event(
    records: Records, conn: Any, tenant_id: UUID, event_id: UUID
) -> AlertEvent | None:
    found = await _alerts(records, conn, tenant_id, "event_id = $2", event_id)
    return found[0] if found else None


async def subscription_target(
    records: Records, conn: Any, tenant_id: UUID, subscription_id: UUID
) -> SubscriptionTarget | None:
    stored = await records.store.read_stream_in(conn, tenant_id, subscription_id)
    if not stored or stored[0].stream_type != SUBSCRIPTIONS.stream_type:
        return None
    envelopes = [records.registry.decode(e) for e in stored]
    state = SUBSCRIPTIONS.fold_envelopes(envelopes)
    assert state is not None
    cancelled = next((e.seq for e in envelopes if isinstance(e.event, SubscriptionCancelled)), None)
    return SubscriptionTarget(state, envelopes[0].seq, cancelled)


async def subscription_targets(
    records: Records, conn: Any, tenant_id: UUID
) -> list[SubscriptionTarget]:
    """Every subscription the tenant ever had (a cancelled one is still owed earlier alerts)."""
    ids = await conn.fetch(
        "SELECT record_id FROM records WHERE tenant_id = $1 AND collection = $2 ORDER BY created_at",
        tenant_id,
        SUBSCRIPTIONS.collection,
    )
    targets = [
        await subscription_target(records, conn, tenant_id, UUID(str(r["record_id"]))) for r in ids
    ]
    return [t for t in targets if t is not None]
