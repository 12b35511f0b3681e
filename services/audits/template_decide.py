"""Audit templates as a decider: create (or copy from the starter library), revise, retire."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal
from uuid import UUID, uuid5

import msgspec

from services.audits.library import UnknownAuditTemplate, starter_template
from services.audits.scoring import DEFAULT_AMBER_AT, DEFAULT_GREEN_AT, check_thresholds
from services.audits.template_events import (
    TEMPLATE_EVENTS,
    AuditTemplateCreated,
    AuditTemplateRetired,
    AuditTemplateRevised,
    Question,
)
from services.frameworks import default_catalogue
from services.kernel.decider import Context, Decider, RecordIndex
from services.kernel.errors import InvalidCommand, InvalidTransition
from services.kernel.events import Event

#: The framework version new tenant templates are mapped under.
FRAMEWORK_ID = "cqc-saf-2024"

TemplateStatus = Literal["active", "retired"]


class QuestionSpec(msgspec.Struct, frozen=True, kw_only=True):
    """A question as asked for; `id` names a question of the current version to keep its id."""

    text: str
    quality_statement: str
    id: UUID | None = None


class CreateAuditTemplate(msgspec.Struct, frozen=True, kw_only=True):
    template_id: UUID
    name: str | None = None
    questions: tuple[QuestionSpec, ...] = ()
    green_at: float | None = None
    amber_at: float | None = None
    from_library: str | None = None


class ReviseAuditTemplate(msgspec.Struct, frozen=True, kw_only=True):
    questions: tuple[QuestionSpec, ...]
    name: str | None = None
    green_at: float | None = None
    amber_at: float | None = None


class RetireAuditTemplate(msgspec.Struct, frozen=True, kw_only=True):
    pass


class TemplateVersion(msgspec.Struct, frozen=True, kw_only=True):
    version: int
    name: str
    questions: tuple[Question, ...]
    green_at: float
    amber_at: float


class AuditTemplateState(msgspec.Struct, frozen=True, kw_only=True):
    template_id: UUID
    framework: str
    status: TemplateStatus
    versions: tuple[TemplateVersion, ...]
    library_key: str | None = None

    @property
    def current(self) -> TemplateVersion:
        return self.versions[-1]


def decide(command: object, state: AuditTemplateState | None, context: Context) -> Sequence[Event]:
    if isinstance(command, CreateAuditTemplate):
        if state is not None:
            raise InvalidTransition(f"audit template {command.template_id} already exists")
        return [_create(command)]
    if state is None:
        raise InvalidTransition("no such audit template")
    if state.status == "retired":
        raise InvalidTransition("the audit template is retired")
    if isinstance(command, ReviseAuditTemplate):
        return [_revise(command, state)]
    if isinstance(command, RetireAuditTemplate):
        return [AuditTemplateRetired(template_id=state.template_id)]
    raise TypeError(f"not an audit template command: {type(command).__name__}")


def _create(command: CreateAuditTemplate) -> AuditTemplateCreated:
    if command.from_library is not None:
        return _copy_from_library(command)
    if not command.name:
        raise InvalidCommand("name", "a template needs a name (or from_library)")
    green_at = command.green_at if command.green_at is not None else DEFAULT_GREEN_AT
    amber_at = command.amber_at if command.amber_at is not None else DEFAULT_AMBER_AT
    check_thresholds(green_at, amber_at)
    questions = _new_questions(command.questions, FRAMEWORK_ID, command.template_id, "", {})
    return AuditTemplateCreated(
        template_id=command.template_id,
        name=_text("name", command.name),
        framework=FRAMEWORK_ID,
        questions=questions,
        green_at=green_at,
        amber_at=amber_at,
    )


def _copy_from_library(command: CreateAuditTemplate) -> AuditTemplateCreated:
    if command.questions:
        raise InvalidCommand("questions", "give questions or from_library, not both")
    try:
        starter = starter_template(command.from_library or "")
    except UnknownAuditTemplate:
        message = f"no starter template {command.from_library!r}"
        raise InvalidCommand("from_library", message) from None
    green_at = command.green_at if command.green_at is not None else starter.green_at
    amber_at = command.amber_at if command.amber_at is not None else starter.amber_at
    check_thresholds(green_at, amber_at)
    questions = tuple(
        Question(
            id=uuid5(command.template_id, str(i)),
            text=q.text,
            quality_statement=q.quality_statement,
            library_key=q.key,
        )
        for i, q in enumerate(starter.questions)
    )
    return AuditTemplateCreated(
        template_id=command.template_id,
        name=_text("name", command.name) if command.name is not None else starter.name,
        framework=starter.framework,
        questions=questions,
        green_at=green_at,
        amber_at=amber_at,
        library_key=starter.key,
    )


def _revise(command: ReviseAuditTemplate, state: AuditTemplateState) -> AuditTemplateRevised:
    current = state.current
    version = current.version + 1
    green_at = command.green_at if command.green_at is not None else current.green_at
    amber_at = command.amber_at if command.amber_at is not None else current.amber_at
    check_thresholds(green_at, amber_at)
    kept = {q.id: q for q in current.questions}
    prefix = f"{version}."
    questions = _new_questions(command.questions, state.framework, state.template_id, prefix, kept)
    return AuditTemplateRevised(
        template_id=state.template_id,
        template_version=version,
        name=_text("name", command.name) if command.name is not None else current.name,
        questions=questions,
        green_at=green_at,
        amber_at=amber_at,
    )


def _text(field: str, value: str) -> str:
    """Required text: refused when blank, kept without surrounding whitespace."""
    cleaned = value.strip()
    if not cleaned:
        raise InvalidCommand(field, "must not be blank")
    return cleaned


def _new_questions(
    specs: Sequence[QuestionSpec],
    framework: str,
    template_id: UUID,
    id_prefix: str,
    kept: dict[UUID, Question],
) -> tuple[Question, ...]:
    """Questions with ids: kept ones keep theirs (and library key); the question at index i of a
    new version gets uuid5(template_id, f"{id_prefix}{i}"), so decide stays pure."""
    if not specs:
        raise InvalidCommand("questions", "a template needs at least one question")
    catalogue, questions, seen = default_catalogue(), [], set()
    for i, spec in enumerate(specs):
        if not catalogue.has_statement(framework, spec.quality_statement):
            message = f"{spec.quality_statement!r} is not a quality statement of {framework}"
            raise InvalidCommand(f"questions[{i}].quality_statement", message)
        if spec.id is not None and spec.id not in kept:
            message = f"{spec.id} is not a question of the current version"
            raise InvalidCommand(f"questions[{i}].id", message)
        question_id = spec.id if spec.id is not None else uuid5(template_id, f"{id_prefix}{i}")
        if question_id in seen:
            raise InvalidCommand(f"questions[{i}].id", f"question {question_id} is listed twice")
        seen.add(question_id)
        earlier = kept.get(question_id)
        library_key = earlier.library_key if earlier else None
        questions.append(
            Question(
                id=question_id,
                text=_text(f"questions[{i}].text", spec.text),
                quality_statement=spec.quality_statement,
                library_key=library_key,
            )
        )
    return tuple(questions)


def evolve(state: AuditTemplateState | None, event: Event) -> AuditTemplateState:
    if isinstance(event, AuditTemplateCreated):
        first = TemplateVersion(
            version=1,
            name=event.name,
            questions=event.questions,
            green_at=event.green_at,
            amber_at=event.amber_at,
        )
        return AuditTemplateState(
            template_id=event.template_id,
            framework=event.framework,
            status="active",
            versions=(first,),
            library_key=event.library_key,
        )
    assert state is not None, f"{type(event).__name__} before AuditTemplateCreated"
    if isinstance(event, AuditTemplateRevised):
        revised = TemplateVersion(
            version=event.template_version,
            name=event.name,
            questions=event.questions,
            green_at=event.green_at,
            amber_at=event.amber_at,
        )
        return msgspec.structs.replace(state, versions=(*state.versions, revised))
    if isinstance(event, AuditTemplateRetired):
        return msgspec.structs.replace(state, status="retired")
    raise TypeError(f"an audit template does not handle {event.type_name()}")


def index(state: AuditTemplateState) -> RecordIndex:
    current = state.current
    summary = {
        "name": current.name,
        "template_version": current.version,
        "questions": len(current.questions),
        "framework": state.framework,
        "library_key": state.library_key,
    }
    return RecordIndex(location_id=None, status=state.status, summary=summary)


class TemplateSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """What an audit copies from its template when it is scheduled: the version it will use."""

    template_id: UUID
    name: str
    version: int
    framework: str
    questions: tuple[Question, ...]
    green_at: float
    amber_at: float
    retired: bool


def snapshot(state: AuditTemplateState) -> TemplateSnapshot:
    current = state.current
    return TemplateSnapshot(
        template_id=state.template_id,
        name=current.name,
        version=current.version,
        framework=state.framework,
        questions=current.questions,
        green_at=current.green_at,
        amber_at=current.amber_at,
        retired=state.status == "retired",
    )


TEMPLATE_DECIDER: Decider[AuditTemplateState] = Decider(
    stream_type="audit-template",
    collection="audit-templates",
    events=TEMPLATE_EVENTS,
    decide=decide,
    evolve=evolve,
    index=index,
)
