"""Request and response bodies of the audit routes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import msgspec

from services.actions.events import Priority
from services.audits.events import Answer
from services.audits.library import Rag
from services.audits.scoring import AnswerValue
from services.audits.state import ActionOrigin, AuditState, AuditStatus, FindingState
from services.audits.template_events import Question

Comment = Annotated[str, msgspec.Meta(max_length=2000, description="Operational text, no names")]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
MAX_ANSWERS = 200


class Body(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of request bodies: unknown fields are refused, not silently dropped."""


class ScheduleBody(Body, frozen=True, kw_only=True):
    location_id: UUID
    template_id: UUID
    due_date: Annotated[date, msgspec.Meta(description="YYYY-MM-DD")]


class AnswerBody(Body, frozen=True, kw_only=True):
    question_id: UUID
    answer: AnswerValue
    comment: Comment | None = None

    def value(self) -> Answer:
        return Answer(question_id=self.question_id, answer=self.answer, comment=self.comment)


class AnswersBody(Body, frozen=True, kw_only=True):
    """Some answers; answering a question again replaces the earlier answer."""

    answers: Annotated[list[AnswerBody], msgspec.Meta(min_length=1, max_length=MAX_ANSWERS)]


class CompleteBody(Body, frozen=True, kw_only=True):
    """The remaining answers: with those already given, every question must be answered."""

    answers: Annotated[list[AnswerBody], msgspec.Meta(max_length=MAX_ANSWERS)] = []


class LinkFindingBody(Body, frozen=True, kw_only=True):
    finding_id: UUID
    action_id: UUID


class RaiseActionBody(Body, frozen=True, kw_only=True):
    finding_id: UUID
    owner_id: UUID
    due_date: date
    title: Title | None = None
    priority: Priority = "high"


class CancelBody(Body, frozen=True, kw_only=True):
    reason: Reason


class FindingRead(msgspec.Struct, frozen=True, kw_only=True):
    finding_id: UUID
    question_id: UUID
    question_text: str
    quality_statement: str
    action_id: UUID | None
    action_origin: ActionOrigin | None


class AuditRead(msgspec.Struct, frozen=True, kw_only=True):
    """One audit as it stands (or stood, with `as_of`): its questions, answers and findings."""

    location_id: UUID
    status: AuditStatus
    due_date: date
    template_id: UUID
    template_name: str
    template_version: int
    framework: str
    green_at: float
    amber_at: float
    questions: list[Question]
    answers: list[Answer]
    score: float | None
    rag: Rag | None
    findings: list[FindingRead]
    started_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    cancellation_reason: str | None


class AuditResponse(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    version: int
    record: AuditRead


def _finding(state: AuditState, finding: FindingState) -> FindingRead:
    question = state.question(finding.question_id)
    text = question.text if question else ""
    return FindingRead(question_text=text, **msgspec.structs.asdict(finding))


def render(state: AuditState) -> AuditRead:
    fields = msgspec.structs.asdict(state)
    del fields["audit_id"]  # the response envelope carries the id
    fields.update(
        questions=list(state.questions),
        answers=list(state.answers),
        findings=[_finding(state, f) for f in state.findings],
    )
    return AuditRead(**fields)
