"""An action as its events leave it: the state decide checks and the Read DTO shows."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

import msgspec
from msgspec.structs import replace

from services.actions.events import (
    ActionCancelled,
    ActionCompleted,
    ActionOpened,
    ActionProgressNoted,
    ActionRaised,
    ActionReassigned,
    ActionRedated,
    ActionReopened,
    ActionSource,
    ActionStarted,
    ActionVerified,
    Priority,
)
from services.kernel.events import Event

Status = Literal["draft", "open", "in_progress", "completed", "verified", "cancelled"]


class ProgressNote(msgspec.Struct, frozen=True, kw_only=True):
    text: str
    noted_by: UUID
    noted_at: datetime


class DueDateChange(msgspec.Struct, frozen=True, kw_only=True):
    previous_due_date: date
    due_date: date
    reason: str
    redated_by: UUID
    redated_at: datetime


class ActionState(msgspec.Struct, frozen=True, kw_only=True):
    action_id: UUID
    reference: str
    location_id: UUID
    status: Status
    title: str
    description: str
    success_measure: str
    owner_id: UUID
    due_date: date
    priority: Priority
    source: ActionSource | None
    quality_statements: tuple[str, ...]
    framework: str | None
    raised_by: UUID
    raised_at: datetime
    notes: tuple[ProgressNote, ...] = ()
    due_date_changes: tuple[DueDateChange, ...] = ()
    evidence: str | None = None
    completed_by: UUID | None = None
    completed_at: datetime | None = None
    verified_by: UUID | None = None
    verified_at: datetime | None = None
    verification_note: str | None = None
    cancellation_reason: str | None = None
    reopen_reason: str | None = None


def raised(event: ActionRaised) -> ActionState:
    return ActionState(
        action_id=event.action_id,
        reference=event.reference,
        location_id=event.location_id,
        status="draft" if event.draft else "open",
        title=event.title,
        description=event.description,
        success_measure=event.success_measure,
        owner_id=event.owner_id,
        due_date=event.due_date,
        priority=event.priority,
        source=event.source,
        quality_statements=event.quality_statements,
        framework=event.framework,
        raised_by=event.raised_by,
        raised_at=event.raised_at,
    )


def evolve(state: ActionState | None, event: Event) -> ActionState:
    """The action after one more event; pure, so replaying a stream always gives the same state."""
    if isinstance(event, ActionRaised):
        return raised(event)
    assert state is not None, f"{event.type_name()} before ActionRaised"
    match event:
        case ActionOpened():
            return replace(state, status="open")
        case ActionReassigned(owner_id=owner_id):
            return replace(state, owner_id=owner_id)
        case ActionRedated():
            change = DueDateChange(
                previous_due_date=event.previous_due_date,
                due_date=event.due_date,
                reason=event.reason,
                redated_by=event.redated_by,
                redated_at=event.redated_at,
            )
            return replace(
                state, due_date=event.due_date, due_date_changes=(*state.due_date_changes, change)
            )
        case ActionProgressNoted():
            note = ProgressNote(text=event.text, noted_by=event.noted_by, noted_at=event.noted_at)
            status: Status = "in_progress" if state.status == "open" else state.status
            return replace(state, status=status, notes=(*state.notes, note))
        case ActionStarted():
            return replace(state, status="in_progress")
        case ActionCompleted():
            return replace(
                state,
                status="completed",
                evidence=event.evidence,
                completed_by=event.completed_by,
                completed_at=event.completed_at,
            )
        case ActionVerified():
            return replace(
                state,
                status="verified",
                verified_by=event.verified_by,
                verified_at=event.verified_at,
                verification_note=event.note,
            )
        case ActionReopened():
            return replace(
                state,
                status="open",
                reopen_reason=event.reason,
                evidence=None,
                completed_by=None,
                completed_at=None,
                verified_by=None,
                verified_at=None,
                verification_note=None,
                cancellation_reason=None,
            )
        case ActionCancelled():
            return replace(state, status="cancelled", cancellation_reason=event.reason)
    raise TypeError(f"actions do not handle {event.type_name()}")
