"""An audit as its events leave it: the state decide checks and the Read DTO shows."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

import msgspec
from msgspec.structs import replace

from services.audits.events import (
    Answer,
    AuditAnswersRecorded,
    AuditCancelled,
    AuditCompleted,
    AuditScheduled,
    AuditStarted,
    FindingActionLinked,
    FindingActionRequested,
)
from services.audits.library import Rag
from services.audits.template_events import Question
from services.kernel.events import Event

AuditStatus = Literal["scheduled", "in_progress", "completed", "cancelled"]
ActionOrigin = Literal["linked", "raised"]


class FindingState(msgspec.Struct, frozen=True, kw_only=True):
    finding_id: UUID
    question_id: UUID
    quality_statement: str
    action_id: UUID | None = None
    action_origin: ActionOrigin | None = None


class AuditState(msgspec.Struct, frozen=True, kw_only=True):
    audit_id: UUID
    location_id: UUID
    status: AuditStatus
    due_date: date
    template_id: UUID
    template_name: str
    template_version: int
    framework: str
    questions: tuple[Question, ...]
    green_at: float
    amber_at: float
    answers: tuple[Answer, ...] = ()
    score: float | None = None
    rag: Rag | None = None
    findings: tuple[FindingState, ...] = ()
    started_at: datetime | None = None
    completed_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancellation_reason: str | None = None

    def question(self, question_id: UUID) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def finding(self, finding_id: UUID) -> FindingState | None:
        return next((f for f in self.findings if f.finding_id == finding_id), None)


def merge_answers(
    questions: tuple[Question, ...], *batches: tuple[Answer, ...]
) -> tuple[Answer, ...]:
    """The latest answer to each question, in the template's question order."""
    latest = {a.question_id: a for batch in batches for a in batch}
    return tuple(latest[q.id] for q in questions if q.id in latest)


def _with_action(
    state: AuditState, finding_id: UUID, action_id: UUID, origin: ActionOrigin
) -> AuditState:
    findings = tuple(
        replace(f, action_id=action_id, action_origin=origin) if f.finding_id == finding_id else f
        for f in state.findings
    )
    return replace(state, findings=findings)


def scheduled(event: AuditScheduled) -> AuditState:
    return AuditState(
        audit_id=event.audit_id,
        location_id=event.location_id,
        status="scheduled",
        due_date=event.due_date,
        template_id=event.template_id,
        template_name=event.template_name,
        template_version=event.template_version,
        framework=event.framework,
        questions=event.questions,
        green_at=event.green_at,
        amber_at=event.amber_at,
    )


def evolve(state: AuditState | None, event: Event) -> AuditState:
    """The audit after one more event; pure, so replaying a stream always gives the same state."""
    if isinstance(event, AuditScheduled):
        return scheduled(event)
    assert state is not None, f"{event.type_name()} before AuditScheduled"
    match event:
        case AuditStarted(started_at=started_at):
            return replace(state, status="in_progress", started_at=started_at)
        case AuditAnswersRecorded(answers=answers):
            return replace(state, answers=merge_answers(state.questions, state.answers, answers))
        case AuditCompleted():
            findings = tuple(FindingState(**msgspec.structs.asdict(f)) for f in event.findings)
            return replace(
                state,
                status="completed",
                answers=event.answers,
                score=event.score,
                rag=event.rag,
                findings=findings,
                completed_at=event.completed_at,
            )
        case FindingActionLinked(finding_id=finding_id, action_id=action_id):
            return _with_action(state, finding_id, action_id, "linked")
        case FindingActionRequested(finding_id=finding_id, action_id=action_id):
            return _with_action(state, finding_id, action_id, "raised")
        case AuditCancelled(reason=reason, cancelled_at=cancelled_at):
            return replace(
                state, status="cancelled", cancellation_reason=reason, cancelled_at=cancelled_at
            )
    raise TypeError(f"audits do not handle {event.type_name()}")
