"""Request and response bodies of the audit-template routes."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec

from services.audits.template_decide import AuditTemplateState, TemplateStatus
from services.audits.template_events import Question

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
QuestionText = Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]
StatementId = Annotated[
    str, msgspec.Meta(min_length=1, max_length=100, description="e.g. safe.medicines-optimisation")
]
Threshold = Annotated[
    float, msgspec.Meta(gt=0, le=1, description="Lowest score (0 to 1) with this rating")
]
LibraryKey = Annotated[str, msgspec.Meta(min_length=1, max_length=60)]
MAX_QUESTIONS = 100


class Body(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of request bodies: unknown fields are refused, not silently dropped."""


class QuestionBody(Body, frozen=True, kw_only=True):
    text: QuestionText
    quality_statement: StatementId


class RevisedQuestionBody(Body, frozen=True, kw_only=True):
    text: QuestionText
    quality_statement: StatementId
    id: Annotated[
        UUID | None, msgspec.Meta(description="A question of the current version to keep its id")
    ] = None


class CreateTemplateBody(Body, frozen=True, kw_only=True):
    """Either name and questions, or `from_library` (a starter template key) to copy."""

    name: Name | None = None
    questions: Annotated[list[QuestionBody], msgspec.Meta(max_length=MAX_QUESTIONS)] = []
    green_at: Threshold | None = None
    amber_at: Threshold | None = None
    from_library: LibraryKey | None = None


class ReviseTemplateBody(Body, frozen=True, kw_only=True):
    """The next version's questions; name and thresholds carry over unless given."""

    questions: Annotated[
        list[RevisedQuestionBody], msgspec.Meta(min_length=1, max_length=MAX_QUESTIONS)
    ]
    name: Name | None = None
    green_at: Threshold | None = None
    amber_at: Threshold | None = None


class TemplateVersionRead(msgspec.Struct, frozen=True, kw_only=True):
    version: int
    name: str
    questions: list[Question]
    green_at: float
    amber_at: float


class AuditTemplateRead(msgspec.Struct, frozen=True, kw_only=True):
    """The current version at the top level, and every version (with its questions) below."""

    name: str
    status: TemplateStatus
    framework: str
    library_key: str | None
    template_version: int
    questions: list[Question]
    green_at: float
    amber_at: float
    versions: list[TemplateVersionRead]


def render(state: AuditTemplateState) -> AuditTemplateRead:
    current = state.current
    versions = [
        TemplateVersionRead(
            version=v.version,
            name=v.name,
            questions=list(v.questions),
            green_at=v.green_at,
            amber_at=v.amber_at,
        )
        for v in state.versions
    ]
    return AuditTemplateRead(
        name=current.name,
        status=state.status,
        framework=state.framework,
        library_key=state.library_key,
        template_version=current.version,
        questions=list(current.questions),
        green_at=current.green_at,
        amber_at=current.amber_at,
        versions=versions,
    )
