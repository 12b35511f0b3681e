"""What a detector or a person can ask of an alert: imperative commands, plain values only."""

from __future__ import annotations

from uuid import UUID

import msgspec

from services.alerts.events import Kind, RecordRef, Severity


class RaiseAlert(msgspec.Struct, frozen=True, kw_only=True):
    """The detector found the condition: raise it, or bring an open alert's records up to date."""

    alert_id: UUID
    kind: Kind
    key: str
    severity: Severity
    title: str
    detail: str
    location_id: UUID | None
    location_ids: tuple[UUID, ...]
    records: tuple[RecordRef, ...]


class AcknowledgeAlert(msgspec.Struct, frozen=True, kw_only=True):
    note: str | None = None


class EscalateAlert(msgspec.Struct, frozen=True, kw_only=True):
    to_user_ids: tuple[UUID, ...]
    after_hours: int


class ResolveAlert(msgspec.Struct, frozen=True, kw_only=True):
    """`automatic`: the detector no longer finds the condition; by hand a note is required."""

    automatic: bool = False
    note: str | None = None


class ClearCondition(msgspec.Struct, frozen=True):
    """The detector no longer finds a condition that was resolved by hand."""
