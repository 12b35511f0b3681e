"""An alert as its events leave it: the state decide checks, the index lists and the API shows."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

import msgspec
from msgspec.structs import replace

from services.alerts.events import (
    AlertAcknowledged,
    AlertConditionCleared,
    AlertEscalated,
    AlertRaised,
    AlertRecordsChanged,
    AlertResolved,
    Kind,
    RecordRef,
    Severity,
)
from services.kernel.events import Event

Status = Literal["open", "acknowledged", "escalated", "resolved"]
#: Statuses of an alert that still needs someone's attention.
UNRESOLVED: frozenset[Status] = frozenset({"open", "acknowledged", "escalated"})


class AlertState(msgspec.Struct, frozen=True, kw_only=True):
    alert_id: UUID
    kind: Kind
    key: str
    severity: Severity
    title: str
    detail: str
    location_id: UUID | None
    location_ids: tuple[UUID, ...]
    records: tuple[RecordRef, ...]
    status: Status
    raised_at: datetime
    occurrence: int
    acknowledged_by: UUID | None = None
    acknowledged_at: datetime | None = None
    acknowledgement_note: str | None = None
    escalated_at: datetime | None = None
    escalated_to: tuple[UUID, ...] = ()
    resolved_at: datetime | None = None
    resolved_by: UUID | None = None
    resolution_note: str | None = None
    resolved_automatically: bool | None = None
    #: Resolved by hand while the condition still held: not raised again until it clears.
    suppressed: bool = False


def _raised(event: AlertRaised) -> AlertState:
    return AlertState(
        alert_id=event.alert_id,
        kind=event.kind,
        key=event.key,
        severity=event.severity,
        title=event.title,
        detail=event.detail,
        location_id=event.location_id,
        location_ids=event.location_ids,
        records=event.records,
        status="open",
        raised_at=event.raised_at,
        occurrence=event.occurrence,
    )


def evolve(state: AlertState | None, event: Event) -> AlertState:
    """The alert after one more event; a new AlertRaised starts a fresh occurrence."""
    if isinstance(event, AlertRaised):
        return _raised(event)
    if state is None:
        raise ValueError(f"{event.type_name()} before AlertRaised")
    match event:
        case AlertRecordsChanged():
            return replace(
                state,
                title=event.title,
                detail=event.detail,
                location_ids=event.location_ids,
                records=event.records,
            )
        case AlertAcknowledged():
            return replace(
                state,
                status="acknowledged",
                acknowledged_by=event.acknowledged_by,
                acknowledged_at=event.acknowledged_at,
                acknowledgement_note=event.note,
            )
        case AlertEscalated():
            return replace(
                state,
                status="escalated",
                escalated_at=event.escalated_at,
                escalated_to=event.to_user_ids,
            )
        case AlertResolved():
            return replace(
                state,
                status="resolved",
                resolved_at=event.resolved_at,
                resolved_by=event.resolved_by,
                resolution_note=event.note,
                resolved_automatically=event.automatic,
                suppressed=not event.automatic,
            )
        case AlertConditionCleared():
            return replace(state, suppressed=False)
    raise TypeError(f"alerts do not handle {event.type_name()}")
