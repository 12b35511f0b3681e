"""What can happen to an improvement action: the actions context's public contract."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

import msgspec

from services.kernel.events import Event

Priority = Literal["low", "medium", "high", "urgent"]
SourceKind = Literal[
    "audit_finding", "incident", "complaint", "feedback", "inspection_report", "other"
]


class ActionSource(msgspec.Struct, frozen=True, kw_only=True):
    """What the action answers: an audit finding, an incident, a CQC or LA report…"""

    kind: SourceKind
    id: str


class ActionRaised(Event, frozen=True, kw_only=True):
    """An action entered the plan, as a draft (from an audit finding) or open."""

    action_id: UUID
    reference: str
    location_id: UUID
    title: str
    description: str
    success_measure: str
    owner_id: UUID
    due_date: date
    priority: Priority
    source: ActionSource | None = None
    quality_statements: tuple[str, ...] = ()
    framework: str | None = None
    draft: bool = False
    raised_by: UUID
    raised_at: datetime


class ActionOpened(Event, frozen=True, kw_only=True):
    """A draft action was confirmed and joined the live action plan."""

    opened_by: UUID
    opened_at: datetime


class ActionReassigned(Event, frozen=True, kw_only=True):
    owner_id: UUID
    previous_owner_id: UUID


class ActionRedated(Event, frozen=True, kw_only=True):
    due_date: date
    previous_due_date: date
    reason: str
    redated_by: UUID
    redated_at: datetime


class ActionProgressNoted(Event, frozen=True, kw_only=True):
    text: str
    noted_by: UUID
    noted_at: datetime


class ActionStarted(Event, frozen=True, kw_only=True):
    started_by: UUID
    started_at: datetime


class ActionCompleted(Event, frozen=True, kw_only=True):
    evidence: str
    completed_by: UUID
    completed_at: datetime


class ActionVerified(Event, frozen=True, kw_only=True):
    """Someone other than the owner checked the evidence and confirmed the action worked."""

    note: str | None = None
    verified_by: UUID
    verified_at: datetime


class ActionReopened(Event, frozen=True, kw_only=True):
    reason: str
    reopened_by: UUID
    reopened_at: datetime


class ActionCancelled(Event, frozen=True, kw_only=True):
    reason: str
    cancelled_by: UUID
    cancelled_at: datetime


ACTION_EVENTS: tuple[type[Event], ...] = (
    ActionRaised,
    ActionOpened,
    ActionReassigned,
    ActionRedated,
    ActionProgressNoted,
    ActionStarted,
    ActionCompleted,
    ActionVerified,
    ActionReopened,
    ActionCancelled,
)
