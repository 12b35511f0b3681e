"""Which deliveries an alert owes, when a failed one is tried again, and what a webhook carries.
Pure: no I/O, no clock.

A subscription is owed the alerts raised while it was active: after the event that created it
and before the one that cancelled it (compared by the tenant's `seq`, so a replay of the log
always owes exactly the same deliveries).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec

from services.alerts.subscriptions import Subscription, receives
from services.kernel.calendar import ENGLAND

#: The alert event type that is delivered (services/alerts contract: `AlertRaised`).
ALERT_RAISED = "AlertRaised"
#: Immediate e-mail goes out for this severity only; every severity is in the digest.
IMMEDIATE_EMAIL_SEVERITY = "high"
_DELIVERY_NAMESPACE = uuid5(NAMESPACE_URL, "https://caretrail.example/alert-deliveries")


class AlertRecord(msgspec.Struct, frozen=True, kw_only=True):
    collection: str
    id: str
    url: str | None = None


class RaisedAlert(msgspec.Struct, frozen=True, kw_only=True):
    """The fields of an `AlertRaised` event that delivery reads (unknown fields are ignored)."""

    alert_id: UUID
    kind: str
    severity: str
    title: str
    detail: str = ""
    location_id: UUID | None = None
    location_ids: tuple[UUID, ...] = ()
    records: tuple[AlertRecord, ...] = ()
    raised_at: datetime
    occurrence: int = 1

    def homes(self) -> tuple[UUID, ...]:
        return self.location_ids or ((self.location_id,) if self.location_id else ())


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """An `AlertRaised` as it stands in the tenant's log."""

    event_id: UUID
    seq: int
    recorded_at: datetime
    alert: RaisedAlert


@dataclass(frozen=True, slots=True)
class SubscriptionTarget:
    """A subscription with the log positions bounding when it was active."""

    subscription: Subscription
    created_seq: int
    cancelled_seq: int | None = None

    def active_at(self, seq: int) -> bool:
        return seq > self.created_seq and (self.cancelled_seq is None or seq < self.cancelled_seq)


@dataclass(frozen=True, slots=True)
class OwedDelivery:
    delivery_id: UUID
    subscription_id: UUID
    channel: Literal["webhook", "email"]
    purpose: Literal["alert", "digest"]
    alert_event_id: UUID | None = None
    alert_id: UUID | None = None
    digest_day: date | None = None


def alert_delivery_id(tenant_id: UUID, alert_event_id: UUID, subscription_id: UUID) -> UUID:
    """Deterministic, so a repeated fan-out names the same delivery (and the same webhook-id)."""
    return uuid5(_DELIVERY_NAMESPACE, f"{tenant_id}:{alert_event_id}:{subscription_id}")


def digest_delivery_id(tenant_id: UUID, subscription_id: UUID, day: date) -> UUID:
    return uuid5(_DELIVERY_NAMESPACE, f"{tenant_id}:{subscription_id}:digest:{day.isoformat()}")


def wants_now(target: SubscriptionTarget, event: AlertEvent) -> bool:
    """Whether the subscription is owed this alert on its own, at once (not in a digest)."""
    subscription, alert = target.subscription, event.alert
    if not target.active_at(event.seq):
        return False
    if not receives(subscription, alert.kind, alert.severity, alert.homes()):
        return False
    if subscription.channel == "webhook":
        return True
    return "immediate" in subscription.modes and alert.severity == IMMEDIATE_EMAIL_SEVERITY


def owed_now(
    tenant_id: UUID, events: Iterable[AlertEvent], targets: Sequence[SubscriptionTarget]
) -> list[OwedDelivery]:
    """Every immediate delivery these alert events owe these subscriptions."""
    return [
        OwedDelivery(
            delivery_id=alert_delivery_id(tenant_id, event.event_id, target.subscription.id),
            subscription_id=target.subscription.id,
            channel=target.subscription.channel,
            purpose="alert",
            alert_event_id=event.event_id,
            alert_id=event.alert.alert_id,
        )
        for event in events
        for target in targets
        if wants_now(target, event)
    ]


def in_digest(target: SubscriptionTarget, events: Iterable[AlertEvent]) -> list[AlertEvent]:
    """The alerts of a day that an e-mail subscription's digest lists, oldest first."""
    subscription = target.subscription
    if subscription.channel != "email" or "daily_digest" not in subscription.modes:
        return []
    return sorted(
        (
            e
            for e in events
            if target.active_at(e.seq)
            and receives(subscription, e.alert.kind, e.alert.severity, e.alert.homes())
        ),
        key=lambda e: e.seq,
    )


def digest_window(day: date) -> tuple[datetime, datetime]:
    """The instants a day in England covers (23, 24 or 25 hours)."""
    start = datetime.combine(day, time(), ENGLAND)
    end = datetime.combine(day + timedelta(days=1), time(), ENGLAND)
    return start.astimezone(UTC), end.astimezone(UTC)


def retry_delay(attempt: int, base_seconds: float, cap_seconds: float) -> timedelta:
    """Exponential backoff after the `attempt`-th failure: base, 2×base, 4×base… up to the cap."""
    return timedelta(seconds=min(cap_seconds, base_seconds * 2 ** max(0, attempt - 1)))


def webhook_payload(tenant_id: UUID, event: AlertEvent, public_url: str = "") -> bytes:
    """The Standard Webhooks body `{type, timestamp, data}`: the same bytes on every attempt."""
    alert = event.alert
    data: dict[str, Any] = {
        "tenant_id": tenant_id,
        "event_id": event.event_id,
        "alert_id": alert.alert_id,
        "kind": alert.kind,
        "severity": alert.severity,
        "title": alert.title,
        "detail": alert.detail,
        "location_id": alert.location_id,
        "location_ids": list(alert.location_ids),
        "records": [
            {"collection": r.collection, "id": r.id, "url": public_url + (r.url or "")}
            for r in alert.records
        ],
        "raised_at": alert.raised_at,
        "occurrence": alert.occurrence,
        "url": f"{public_url}/api/v1/alerts/{alert.alert_id}",
    }
    body = {"type": "alert.raised", "timestamp": event.recorded_at, "data": data}
    return msgspec.json.encode(body)
