"""What happens to an alert, as past-tense events: the alerts context's public contract.

One stream per condition: the alert id is derived from the tenant, the detector kind and the
condition's de-duplication key, so running a detector again finds the same stream. A condition
that clears is resolved; if it comes back, the same stream is raised again (`occurrence` 2, 3…).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec

from services.kernel.events import Event

Kind = Literal[
    "overdue_action",
    "statutory_deadline",
    "complaint_deadline",
    "repeated_failure",
    "systemic_failure",
    "recurring_incident",
    "slipping_standard",
    "audit_overdue",
]
KINDS: tuple[Kind, ...] = (
    "overdue_action",
    "statutory_deadline",
    "complaint_deadline",
    "repeated_failure",
    "systemic_failure",
    "recurring_incident",
    "slipping_standard",
    "audit_overdue",
)
Severity = Literal["high", "medium", "low"]
#: The role an unacknowledged alert is escalated to.
EscalationRole = Literal["quality_lead"]

ALERT_NAMESPACE = uuid5(NAMESPACE_URL, "https://caretrail.example/alerts")


def alert_id(tenant_id: UUID, kind: str, key: str) -> UUID:
    """The stream of one condition: the same tenant, kind and key always give the same id."""
    return uuid5(ALERT_NAMESPACE, f"{tenant_id}:{kind}:{key}")


class RecordRef(msgspec.Struct, frozen=True, kw_only=True, order=True):
    """A record behind an alert: its collection, id and API URL."""

    collection: str
    id: UUID
    url: str


class AlertRaised(Event, frozen=True, kw_only=True):
    """A detector found the condition (for the first time, or again after it was resolved)."""

    alert_id: UUID
    kind: Kind
    key: str
    severity: Severity
    title: str
    detail: str
    location_id: UUID | None
    location_ids: tuple[UUID, ...]
    records: tuple[RecordRef, ...]
    raised_at: datetime
    occurrence: int = 1


class AlertRecordsChanged(Event, frozen=True, kw_only=True):
    """The condition still holds, but the records behind it changed (a fourth fall, say)."""

    title: str
    detail: str
    location_ids: tuple[UUID, ...]
    records: tuple[RecordRef, ...]
    changed_at: datetime


class AlertAcknowledged(Event, frozen=True, kw_only=True):
    acknowledged_by: UUID
    acknowledged_at: datetime
    note: str | None = None


class AlertEscalated(Event, frozen=True, kw_only=True):
    """Nobody acknowledged the alert within the tenant's limit: it went to the quality lead(s)."""

    escalated_at: datetime
    to_role: EscalationRole
    to_user_ids: tuple[UUID, ...]
    after_hours: int


class AlertResolved(Event, frozen=True, kw_only=True):
    """Closed: automatically when the condition cleared, or by hand with a note."""

    resolved_at: datetime
    automatic: bool
    resolved_by: UUID | None = None
    note: str | None = None


class AlertConditionCleared(Event, frozen=True, kw_only=True):
    """A condition resolved by hand while it still held has now cleared: if it comes back, the
    alert is raised again."""

    cleared_at: datetime


EVENTS: tuple[type[Event], ...] = (
    AlertRaised,
    AlertRecordsChanged,
    AlertAcknowledged,
    AlertEscalated,
    AlertResolved,
    AlertConditionCleared,
)
