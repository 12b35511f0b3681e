"""Fan-out: turn new alert events into delivery rows, and each day's alerts into digest rows.

Both are idempotent: rows are inserted with ON CONFLICT DO NOTHING against the unique keys
(alert event, subscription) and (subscription, day), so running them twice, concurrently, or
after a crash owes nothing twice and loses nothing.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventstore.connection import tenant_transaction
from services.alerts import delivery_sources as sources
from services.alerts import delivery_store
from services.alerts.delivery_plan import (
    OwedDelivery,
    digest_delivery_id,
    digest_window,
    in_digest,
    owed_now,
)
from services.kernel.handling import Records


async def fan_out(records: Records, tenant_id: UUID, batch_size: int = 500) -> list[UUID]:
    """Owe every alert event after the tenant's checkpoint to the subscriptions that want it at
    once; move the checkpoint in the same transaction. Returns the deliveries that are new."""
    new: list[UUID] = []
    while True:
        async with tenant_transaction(records.store.pool, tenant_id) as conn:
            await conn.execute(
                "INSERT INTO alert_delivery_checkpoints (tenant_id) VALUES ($1) ON CONFLICT DO NOTHING",
                tenant_id,
            )
            # The lock makes concurrent fan-outs of one tenant take turns (the second then
            # starts from where the first left off).
            checkpoint = int(
                await conn.fetchval(
                    "SELECT last_seq FROM alert_delivery_checkpoints WHERE tenant_id = $1 FOR UPDATE",
                    tenant_id,
                )
            )
            head = await sources.head_seq(conn, tenant_id)
            if head <= checkpoint:
                return new
            events = await sources.alerts_after(
                records, conn, tenant_id, checkpoint, head, batch_size
            )
            reached = events[-1].seq if len(events) == batch_size else head
            if events:
                targets = await sources.subscription_targets(records, conn, tenant_id)
                new += await delivery_store.insert_owed(
                    conn, tenant_id, owed_now(tenant_id, events, targets)
                )
            await conn.execute(
                "UPDATE alert_delivery_checkpoints SET last_seq = $2, updated_at = now() WHERE tenant_id = $1",
                tenant_id,
                reached,
            )
        if reached >= head:
            return new


async def owe_digests(records: Records, tenant_id: UUID, day: date) -> list[UUID]:
    """One digest delivery per e-mail subscription with `daily_digest` that has alerts on `day`
    (in England); returns the ones that are new."""
    start, end = digest_window(day)
    async with tenant_transaction(records.store.pool, tenant_id) as conn:
        events = await sources.alerts_recorded(records, conn, tenant_id, start, end)
        if not events:
            return []
        targets = await sources.subscription_targets(records, conn, tenant_id)
        owed = [
            OwedDelivery(
                delivery_id=digest_delivery_id(tenant_id, t.subscription.id, day),
                subscription_id=t.subscription.id,
                channel="email",
                purpose="digest",
                digest_day=day,
            )
            for t in targets
            if in_digest(t, events)
        ]
        return await delivery_store.insert_owed(conn, tenant_id, owed)
