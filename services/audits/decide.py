"""The rules of an audit: which command is allowed when, how it is scored, what it finds."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, time
from typing import Any
from uuid import UUID, uuid5

from services.audits.commands import (
    CancelAudit,
    CompleteAudit,
    LinkFinding,
    RecordAnswers,
    RequestFindingAction,
    ScheduleAudit,
    StartAudit,
)
from services.audits.events import (
    AUDIT_EVENTS,
    Answer,
    AuditAnswersRecorded,
    AuditCancelled,
    AuditCompleted,
    AuditScheduled,
    AuditStarted,
    Finding,
    FindingActionLinked,
    FindingActionRequested,
)
from services.audits.scoring import rate
from services.audits.state import AuditState, AuditStatus, FindingState, evolve, merge_answers
from services.audits.template_decide import TemplateSnapshot
from services.kernel.decider import Context, Decider, RecordIndex, dispatch
from services.kernel.errors import InvalidCommand, InvalidTransition
from services.kernel.events import Event

OPEN: frozenset[AuditStatus] = frozenset({"scheduled", "in_progress"})


def finding_id(audit_id: UUID, question_id: UUID) -> UUID:
    """Stable: the same failed question of the same audit is always the same finding."""
    return uuid5(audit_id, str(question_id))


def _require(state: AuditState | None, allowed: Iterable[AuditStatus], doing: str) -> AuditState:
    if state is None:
        raise InvalidTransition(f"cannot {doing} an audit that does not exist")
    if state.status not in allowed:
        raise InvalidTransition(f"cannot {doing} an audit that is {state.status.replace('_', ' ')}")
    return state


def _schedule(command: ScheduleAudit, state: AuditState | None, context: Context) -> list[Event]:
    if state is not None:
        raise InvalidTransition("this audit already exists")
    template = context.facts.get("template")
    if not isinstance(template, TemplateSnapshot) or template.template_id != command.template_id:
        raise InvalidCommand("template_id", f"no audit template {command.template_id}")
    if template.retired:
        raise InvalidCommand("template_id", "the audit template is retired")
    return [
        AuditScheduled(
            audit_id=command.audit_id,
            location_id=command.location_id,
            due_date=command.due_date,
            template_id=template.template_id,
            template_name=template.name,
            template_version=template.version,
            framework=template.framework,
            questions=template.questions,
            green_at=template.green_at,
            amber_at=template.amber_at,
        )
    ]


def _start(command: StartAudit, state: AuditState | None, context: Context) -> list[Event]:
    _require(state, {"scheduled"}, "start")
    return [AuditStarted(started_at=context.now)]


def _started(state: AuditState, context: Context) -> list[Event]:
    """Answering a scheduled audit starts it."""
    return [AuditStarted(started_at=context.now)] if state.status == "scheduled" else []


def _check_answers(state: AuditState, answers: tuple[Answer, ...]) -> None:
    seen: set[UUID] = set()
    for i, answer in enumerate(answers):
        if state.question(answer.question_id) is None:
            message = f"{answer.question_id} is not a question of this audit"
            raise InvalidCommand(f"answers[{i}].question_id", message)
        if answer.question_id in seen:
            message = f"question {answer.question_id} is answered twice"
            raise InvalidCommand(f"answers[{i}].question_id", message)
        seen.add(answer.question_id)


def _answer(command: RecordAnswers, state: AuditState | None, context: Context) -> list[Event]:
    current = _require(state, OPEN, "answer")
    if not command.answers:
        raise InvalidCommand("answers", "give at least one answer")
    _check_answers(current, command.answers)
    return [*_started(current, context), AuditAnswersRecorded(answers=command.answers)]


def _complete(command: CompleteAudit, state: AuditState | None, context: Context) -> list[Event]:
    current = _require(state, OPEN, "complete")
    _check_answers(current, command.answers)
    answers = merge_answers(current.questions, current.answers, command.answers)
    answered = {a.question_id for a in answers}
    missing = [str(q.id) for q in current.questions if q.id not in answered]
    if missing:
        message = f"every question needs an answer; unanswered: {', '.join(missing)}"
        raise InvalidCommand("answers", message)
    score, rag = rate((a.answer for a in answers), current.green_at, current.amber_at)
    statements = {q.id: q.quality_statement for q in current.questions}
    findings = tuple(
        Finding(
            finding_id=finding_id(current.audit_id, a.question_id),
            question_id=a.question_id,
            quality_statement=statements[a.question_id],
        )
        for a in answers
        if a.answer == "no"
    )
    completed = AuditCompleted(
        template_id=current.template_id,
        answers=answers,
        score=score,
        rag=rag,
        findings=findings,
        completed_at=context.now,
    )
    return [*_started(current, context), completed]


def _finding(state: AuditState, wanted: UUID) -> FindingState:
    found = state.finding(wanted)
    if found is None:
        raise InvalidCommand("finding_id", f"{wanted} is not a finding of this audit")
    return found


def _link(command: LinkFinding, state: AuditState | None, context: Context) -> list[Event]:
    current = _require(state, {"completed"}, "link an action to")
    finding = _finding(current, command.finding_id)
    if finding.action_id == command.action_id:
        raise InvalidCommand("action_id", "this action is already linked to the finding")
    home = context.facts.get("action_location_id")
    if home is not None and UUID(str(home)) != current.location_id:
        raise InvalidCommand("action_id", "the action belongs to another home")
    return [FindingActionLinked(finding_id=finding.finding_id, action_id=command.action_id)]


def _request_action(
    command: RequestFindingAction, state: AuditState | None, context: Context
) -> list[Event]:
    current = _require(state, {"completed"}, "raise an action for")
    finding = _finding(current, command.finding_id)
    if finding.action_id is not None:
        raise InvalidTransition(f"the finding already has action {finding.action_id}")
    return [
        FindingActionRequested(
            finding_id=finding.finding_id,
            action_id=command.action_id,
            owner_id=command.owner_id,
            due_date=command.due_date,
        )
    ]


def _cancel(command: CancelAudit, state: AuditState | None, context: Context) -> list[Event]:
    _require(state, OPEN, "cancel")
    reason = command.reason.strip()
    if not reason:
        raise InvalidCommand("reason", "must not be blank")
    return [AuditCancelled(reason=reason, cancelled_at=context.now)]


_HANDLERS: dict[type, Callable[[Any, AuditState | None, Context], list[Event]]] = {
    ScheduleAudit: _schedule,
    StartAudit: _start,
    RecordAnswers: _answer,
    CompleteAudit: _complete,
    LinkFinding: _link,
    RequestFindingAction: _request_action,
    CancelAudit: _cancel,
}


#: The events one command records, or a domain error saying why it is refused.
decide = dispatch(_HANDLERS, "audits")


def index(state: AuditState) -> RecordIndex:
    """Lists filter audits by home and status, and by due date with `from`/`to`."""
    return RecordIndex(
        location_id=state.location_id,
        status=state.status,
        key_date=datetime.combine(state.due_date, time(), tzinfo=UTC),
        summary={
            "template_id": str(state.template_id),
            "template_name": state.template_name,
            "score": state.score,
            "rag": state.rag,
            "due_date": state.due_date.isoformat(),
            "completed_at": state.completed_at.isoformat() if state.completed_at else None,
            "findings": len(state.findings),
        },
    )


DECIDER: Decider[AuditState] = Decider(
    stream_type="audit",
    collection="audits",
    events=AUDIT_EVENTS,
    decide=decide,
    evolve=evolve,
    index=index,
)
