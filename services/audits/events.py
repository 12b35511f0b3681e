"""Events of audits: scheduled from a template version, answered, scored, findings acted on."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

import msgspec

from services.audits.library import Rag
from services.audits.scoring import AnswerValue
from services.audits.template_events import TEMPLATE_EVENTS, Question
from services.kernel.events import Event


class Answer(msgspec.Struct, frozen=True, kw_only=True):
    question_id: UUID
    answer: AnswerValue
    comment: str | None = None


class Finding(msgspec.Struct, frozen=True, kw_only=True):
    """A question answered "no": evidence against its quality statement, to be acted on."""

    finding_id: UUID
    question_id: UUID
    quality_statement: str


class AuditScheduled(Event, frozen=True, kw_only=True):
    """The audit copies the questions and thresholds of the template version it will use."""

    audit_id: UUID
    location_id: UUID
    due_date: date
    template_id: UUID
    template_name: str
    template_version: int
    framework: str
    questions: tuple[Question, ...]
    green_at: float
    amber_at: float


class AuditStarted(Event, frozen=True, kw_only=True):
    started_at: datetime


class AuditAnswersRecorded(Event, frozen=True, kw_only=True):
    """Answers given so far; a later answer to the same question replaces the earlier one."""

    answers: tuple[Answer, ...]


class AuditCompleted(Event, frozen=True, kw_only=True):
    """Every question answered: the final answers, the score (None if all N/A) and findings."""

    template_id: UUID
    answers: tuple[Answer, ...]
    score: float | None
    rag: Rag | None
    findings: tuple[Finding, ...]
    completed_at: datetime


class FindingActionLinked(Event, frozen=True, kw_only=True):
    """An existing improvement action answers this finding."""

    finding_id: UUID
    action_id: UUID


class FindingActionRequested(Event, frozen=True, kw_only=True):
    """A draft action `action_id` was asked of the actions context for this finding."""

    finding_id: UUID
    action_id: UUID
    owner_id: UUID
    due_date: date


class AuditCancelled(Event, frozen=True, kw_only=True):
    reason: str
    cancelled_at: datetime


AUDIT_EVENTS: tuple[type[Event], ...] = (
    AuditScheduled,
    AuditStarted,
    AuditAnswersRecorded,
    AuditCompleted,
    FindingActionLinked,
    FindingActionRequested,
    AuditCancelled,
)

#: Every event type of the audits context, for the catalogue's registry.
EVENTS: tuple[type[Event], ...] = (*TEMPLATE_EVENTS, *AUDIT_EVENTS)
