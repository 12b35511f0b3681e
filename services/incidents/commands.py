"""What staff ask of an incident, as imperative commands (ids and times come in, none are made)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from services.incidents.events import CandourStep, Category, Recipient, RiddorKind, Severity

TEXT_MAX = 5000
SHORT_MAX = 200


class ReportIncident(msgspec.Struct, frozen=True, kw_only=True):
    incident_id: UUID
    location_id: UUID
    category: Category
    severity: Severity
    occurred_at: datetime
    description: str
    immediate_actions: str | None = None
    people_involved: tuple[UUID, ...] = ()
    riddor_reportable: bool | None = None
    riddor_kind: RiddorKind | None = None


class RecordNotification(msgspec.Struct, frozen=True, kw_only=True):
    recipient: Recipient
    notified_at: datetime
    reference: str | None = None
    method: str | None = None


class RecordCandourStep(msgspec.Struct, frozen=True, kw_only=True):
    step: CandourStep
    done_at: datetime


class StartInvestigation(msgspec.Struct, frozen=True, kw_only=True):
    investigator_id: UUID
    started_at: datetime | None = None


class RecordRootCause(msgspec.Struct, frozen=True, kw_only=True):
    text: str


class RecordLessons(msgspec.Struct, frozen=True, kw_only=True):
    text: str


class CloseIncident(msgspec.Struct, frozen=True, kw_only=True):
    summary: str


class ReopenIncident(msgspec.Struct, frozen=True, kw_only=True):
    reason: str


class AmendIncident(msgspec.Struct, frozen=True, kw_only=True):
    """Correct the facts; a field left UNSET keeps its value."""

    description: str | UnsetType = UNSET
    category: Category | UnsetType = UNSET
    severity: Severity | UnsetType = UNSET
    riddor_reportable: bool | UnsetType | None = UNSET
    riddor_kind: RiddorKind | UnsetType | None = UNSET
