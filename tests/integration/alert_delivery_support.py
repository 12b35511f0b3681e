"""Setting up alert delivery tests on the real database: subscriptions through the command path,
alert events as the alerts context appends them, delivery rows read back as the app role."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from eventstore import EventStore, StreamRef
from eventstore.connection import tenant_transaction
from services.alerts.events import AlertRaised, RecordRef, alert_id
from services.alerts.subscriptions import (
    SUBSCRIPTIONS,
    CancelSubscription,
    SubscribeEmail,
    SubscribeWebhook,
    SubscriptionFilters,
)
from services.alerts.subscriptions_controller import new_secret
from services.kernel.events import to_new_event
from services.kernel.handling import Caller, Records

ADMIN = UUID(int=7)


def caller(tenant: UUID) -> Caller:
    return Caller(tenant, ADMIN, tenant)


async def subscribe_webhook(
    records: Records, tenant: UUID, url: str, filters: SubscriptionFilters | None = None
) -> tuple[UUID, str]:
    subscription_id, secret = uuid4(), new_secret()
    command = SubscribeWebhook(
        subscription_id=subscription_id,
        name="test hook",
        url=url,
        secret=secret,
        filters=filters or SubscriptionFilters(),
    )
    await records.execute(caller(tenant), SUBSCRIPTIONS, subscription_id, command, creating=True)
    return subscription_id, secret


async def subscribe_email(
    records: Records, tenant: UUID, address: str, modes: tuple[Any, ...]
) -> UUID:
    subscription_id = uuid4()
    command = SubscribeEmail(
        subscription_id=subscription_id, name="inbox", address=address, modes=modes
    )
    await records.execute(caller(tenant), SUBSCRIPTIONS, subscription_id, command, creating=True)
    return subscription_id


async def cancel(records: Records, tenant: UUID, subscription_id: UUID) -> None:
    await records.execute(caller(tenant), SUBSCRIPTIONS, subscription_id, CancelSubscription())


async def raise_alert(
    store: EventStore,
    tenant: UUID,
    *,
    severity: str = "high",
    kind: str = "statutory_deadline",
    home: UUID | None = None,
    key: str | None = None,
) -> UUID:
    """Append an `AlertRaised` as the alerts context does; returns its event id."""
    stream = alert_id(tenant, kind, key or str(uuid4()))
    event = AlertRaised(
        alert_id=stream,
        kind=kind,  # type: ignore[arg-type]
        key=key or "k",
        severity=severity,  # type: ignore[arg-type]
        title=f"A {severity} alert",
        detail="Something needs attention.",
        location_id=home,
        location_ids=(home,) if home else (),
        records=(RecordRef(collection="incidents", id=uuid4(), url="/api/v1/incidents/x"),),
        raised_at=datetime.now(UTC),
    )
    new = to_new_event(event, home)
    await store.append(tenant, StreamRef("alert", stream), None, [new])
    return new.event_id


async def deliveries(store: EventStore, tenant: UUID) -> list[dict[str, Any]]:
    async with tenant_transaction(store.pool, tenant) as conn:
        rows = await conn.fetch(
            "SELECT * FROM alert_deliveries WHERE tenant_id = $1 ORDER BY created_at", tenant
        )
    return [dict(r) for r in rows]


async def make_due(store: EventStore, tenant: UUID) -> None:
    """Bring every retry's time forward (the backoff is tested on its own)."""
    async with tenant_transaction(store.pool, tenant) as conn:
        await conn.execute(
            "UPDATE alert_deliveries SET next_attempt_at = now() WHERE tenant_id = $1", tenant
        )


async def end_leases(store: EventStore, tenant: UUID) -> None:
    """The database's clock passes every lease of the tenant's deliveries (a claim taken with a
    real lease, as a worker takes it, then outlived), instead of a test sleeping through one."""
    async with tenant_transaction(store.pool, tenant) as conn:
        ended = await conn.execute(
            "UPDATE alert_deliveries SET lease_until = now() - interval '1 second'"
            " WHERE tenant_id = $1 AND status = 'sending'",
            tenant,
        )
    assert ended != "UPDATE 0", "no lease to end"
