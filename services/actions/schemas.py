"""The action plan's HTTP bodies: what a client may send for each command, and what it reads."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import msgspec

from services.actions.events import ActionSource, Priority, SourceKind
from services.actions.state import ActionState, DueDateChange, ProgressNote, Status

Title = Annotated[
    str, msgspec.Meta(min_length=1, max_length=200, description="Short name of the action")
]
LongText = Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]
SOURCE_ID = "The id of the audit finding, incident, complaint, feedback item or report"
Measure = Annotated[
    str, msgspec.Meta(min_length=1, max_length=1000, description="How we will know it worked")
]
StatementId = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class SourceBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    kind: SourceKind
    id: Annotated[str, msgspec.Meta(min_length=1, max_length=200, description=SOURCE_ID)]


class CreateAction(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    location_id: UUID
    title: Title
    description: LongText
    success_measure: Measure
    owner_id: UUID
    due_date: Annotated[date, msgspec.Meta(description="YYYY-MM-DD; may be in the past")]
    priority: Priority
    source: SourceBody | None = None
    quality_statements: Annotated[list[StatementId], msgspec.Meta(max_length=34)] = []
    draft: Annotated[bool, msgspec.Meta(description="Proposed, not yet on the live plan")] = False

    def source_value(self) -> ActionSource | None:
        return ActionSource(kind=self.source.kind, id=self.source.id) if self.source else None


class AssignBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    owner_id: UUID


class RedateBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    due_date: date
    reason: Reason


class NoteBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    text: LongText


class CompleteBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    evidence: LongText


class VerifyBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    note: Annotated[str, msgspec.Meta(max_length=4000)] | None = None


class ReasonBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Reopen and cancel: why."""

    reason: Reason


class ActionRead(msgspec.Struct, frozen=True, kw_only=True):
    """One action as it stands (or stood, with `as_of`), with its notes and due-date changes."""

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
    quality_statements: list[str]
    framework: str | None
    raised_by: UUID
    raised_at: datetime
    notes: list[ProgressNote]
    due_date_changes: list[DueDateChange]
    evidence: str | None
    completed_by: UUID | None
    completed_at: datetime | None
    verified_by: UUID | None
    verified_at: datetime | None
    verification_note: str | None
    cancellation_reason: str | None
    reopen_reason: str | None


def render(state: ActionState) -> ActionRead:
    fields = msgspec.structs.asdict(state)
    del fields["action_id"]  # the response envelope carries the id
    fields.update(
        quality_statements=list(state.quality_statements),
        notes=list(state.notes),
        due_date_changes=list(state.due_date_changes),
    )
    return ActionRead(**fields)
