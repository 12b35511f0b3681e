"""The incidents API's request bodies and the incident as clients read it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from services.incidents.commands import SHORT_MAX, TEXT_MAX
from services.incidents.events import (
    CandourStep,
    Category,
    Recipient,
    RiddorKind,
    Severity,
)
from services.incidents.notifications import NotificationProgress

PEOPLE_MAX = 50

Moment = Annotated[datetime, msgspec.Meta(tz=True, description="ISO 8601 with a timezone")]
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=TEXT_MAX)]
OptionalText = Annotated[str, msgspec.Meta(max_length=TEXT_MAX)]
Short = Annotated[str, msgspec.Meta(max_length=SHORT_MAX)]
People = Annotated[tuple[UUID, ...], msgspec.Meta(max_length=PEOPLE_MAX)]


class Body(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Request bodies refuse fields they do not know."""


class ReportIncidentBody(Body, frozen=True, kw_only=True):
    location_id: UUID
    category: Category
    severity: Severity
    occurred_at: Moment
    description: Text
    immediate_actions: OptionalText | None = None
    people_involved: People = ()
    riddor_reportable: bool | None = None
    riddor_kind: RiddorKind | None = None


class NotifyBody(Body, frozen=True, kw_only=True):
    recipient: Recipient
    notified_at: Moment
    reference: Short | None = None
    method: Short | None = None


class CandourStepBody(Body, frozen=True, kw_only=True):
    step: CandourStep
    done_at: Moment


class InvestigateBody(Body, frozen=True, kw_only=True):
    investigator_id: UUID
    started_at: Moment | None = None


class FindingBody(Body, frozen=True, kw_only=True):
    """A root cause or the lessons learned."""

    text: Text


class CloseBody(Body, frozen=True, kw_only=True):
    summary: Text


class ReopenBody(Body, frozen=True, kw_only=True):
    reason: Text


class AmendBody(Body, frozen=True, kw_only=True):
    """Only the fields sent change; RIDDOR fields may be set to null."""

    description: Text | UnsetType = UNSET
    category: Category | UnsetType = UNSET
    severity: Severity | UnsetType = UNSET
    riddor_reportable: bool | UnsetType | None = UNSET
    riddor_kind: RiddorKind | UnsetType | None = UNSET


class NotificationRead(msgspec.Struct, frozen=True, kw_only=True):
    recipient: Recipient
    notified_at: datetime
    reference: str | None
    method: str | None


class CandourStepRead(msgspec.Struct, frozen=True, kw_only=True):
    step: CandourStep
    done_at: datetime


class IncidentRead(msgspec.Struct, frozen=True, kw_only=True):
    reference: str | None
    location_id: UUID
    status: str
    category: Category
    severity: Severity
    occurred_at: datetime
    reported_at: datetime
    description: str
    immediate_actions: str | None
    people_involved: list[UUID]
    riddor_reportable: bool | None
    riddor_kind: RiddorKind | None
    notifiable: bool
    required_notifications: list[NotificationProgress]
    outstanding_notifications: list[str]
    notifications: list[NotificationRead]
    duty_of_candour_steps: list[CandourStepRead]
    investigator_id: UUID | None
    investigation_started_at: datetime | None
    root_cause: str | None
    lessons: str | None
    closure_summary: str | None
    closed_at: datetime | None
    reopen_reason: str | None
    reopened_at: datetime | None
