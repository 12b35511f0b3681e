"""The alerts' HTTP bodies: what a client may send to acknowledge or resolve, and what it reads."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec

from services.alerts.events import Kind, Severity
from services.alerts.state import AlertState, Status

Note = Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]


class AcknowledgeBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    note: Note | None = None


class ResolveBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    note: Annotated[Note, msgspec.Meta(description="Why the alert is resolved (required)")]


class RecordBehind(msgspec.Struct, frozen=True, kw_only=True):
    """A record behind the alert, with how it stands now (None when it cannot be found)."""

    collection: str
    id: UUID
    url: str
    reference: str | None = None
    status: str | None = None
    location_id: UUID | None = None


class AlertRead(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    kind: Kind
    key: str
    severity: Severity
    status: Status
    title: str
    detail: str
    location_id: UUID | None
    location_ids: list[UUID]
    raised_at: datetime
    occurrence: int
    records: list[RecordBehind]
    acknowledged_by: UUID | None
    acknowledged_at: datetime | None
    acknowledgement_note: str | None
    escalated_at: datetime | None
    escalated_to: list[UUID]
    resolved_at: datetime | None
    resolved_by: UUID | None
    resolution_note: str | None
    resolved_automatically: bool | None


class AlertResponse(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    version: int
    record: AlertRead


class AlertListItem(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    version: int
    status: str
    location_id: UUID | None
    raised_at: datetime | None
    url: str
    summary: dict[str, Any]


class AlertPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[AlertListItem]
    next_cursor: str | None


def render(state: AlertState, found: dict[str, Any] | None = None) -> AlertRead:
    """The alert; `found` (from queries.records_behind) adds each record's current standing."""
    known = found or {}
    records = []
    for ref in state.records:
        row = known.get(f"{ref.collection}/{ref.id}")
        records.append(
            RecordBehind(
                collection=ref.collection,
                id=ref.id,
                url=ref.url,
                reference=row["reference"] if row else None,
                status=row["status"] if row else None,
                location_id=row["location_id"] if row else None,
            )
        )
    return AlertRead(
        id=state.alert_id,
        kind=state.kind,
        key=state.key,
        severity=state.severity,
        status=state.status,
        title=state.title,
        detail=state.detail,
        location_id=state.location_id,
        location_ids=list(state.location_ids),
        raised_at=state.raised_at,
        occurrence=state.occurrence,
        records=records,
        acknowledged_by=state.acknowledged_by,
        acknowledged_at=state.acknowledged_at,
        acknowledgement_note=state.acknowledgement_note,
        escalated_at=state.escalated_at,
        escalated_to=list(state.escalated_to),
        resolved_at=state.resolved_at,
        resolved_by=state.resolved_by,
        resolution_note=state.resolution_note,
        resolved_automatically=state.resolved_automatically,
    )
