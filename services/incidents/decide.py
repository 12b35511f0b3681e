"""The incident decider: which commands an incident accepts in each state, and what they record."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from msgspec import UnsetType
from msgspec.structs import replace

from services.incidents.commands import (
    SHORT_MAX,
    TEXT_MAX,
    AmendIncident,
    CloseIncident,
    RecordCandourStep,
    RecordLessons,
    RecordNotification,
    RecordRootCause,
    ReopenIncident,
    ReportIncident,
    StartInvestigation,
)
from services.incidents.events import (
    EVENTS,
    IncidentAmended,
    IncidentCandourStepRecorded,
    IncidentClosed,
    IncidentInvestigationStarted,
    IncidentLessonsRecorded,
    IncidentNotified,
    IncidentReopened,
    IncidentReported,
    IncidentRootCauseRecorded,
    RequiredNotification,
    RiddorKind,
)
from services.incidents.notifications import IncidentFacts, required_notifications
from services.incidents.state import IncidentState, evolve
from services.kernel.decider import Context, Decider, RecordIndex
from services.kernel.errors import InvalidCommand, InvalidTransition
from services.kernel.events import Event

T = TypeVar("T")
Handler = Callable[[Any, IncidentState, Context], list[Event]]


def decide(command: Any, state: IncidentState | None, context: Context) -> list[Event]:
    if isinstance(command, ReportIncident):
        if state is not None:
            raise InvalidTransition(f"incident {state.incident_id} is already reported")
        return [_report(command, context)]
    if state is None:
        raise InvalidTransition("there is no such incident: report it first")
    handler = _HANDLERS.get(type(command))
    if handler is None:
        raise TypeError(f"incidents have no command {type(command).__name__}")
    if state.status == "closed" and not isinstance(command, ReopenIncident):
        raise InvalidTransition("the incident is closed: reopen it first")
    return handler(command, state, context)


def _report(command: ReportIncident, context: Context) -> IncidentReported:
    _moment("occurred_at", command.occurred_at, context)
    _riddor(command.riddor_reportable, command.riddor_kind)
    facts = IncidentFacts(
        category=command.category,
        severity=command.severity,
        occurred_at=command.occurred_at,
        reported_at=context.now,
        riddor_reportable=command.riddor_reportable,
        riddor_kind=command.riddor_kind,
    )
    return IncidentReported(
        incident_id=command.incident_id,
        reference=context.facts.get("reference"),
        location_id=command.location_id,
        category=command.category,
        severity=command.severity,
        occurred_at=command.occurred_at,
        reported_at=context.now,
        description=_text("description", command.description),
        immediate_actions=_optional_text("immediate_actions", command.immediate_actions),
        people_involved=tuple(dict.fromkeys(command.people_involved)),
        riddor_reportable=command.riddor_reportable,
        riddor_kind=command.riddor_kind,
        required_notifications=required_notifications(facts, context.settings),
    )


def _notify(command: RecordNotification, state: IncidentState, context: Context) -> list[Event]:
    if command.recipient == "duty_of_candour":
        raise InvalidCommand(
            "recipient",
            "the duty of candour is recorded step by step: "
            "use duty_of_candour_step (informed, apologised, true_account, "
            "written_follow_up)",
        )
    _moment("notified_at", command.notified_at, context, not_before=state.occurred_at)
    return [
        IncidentNotified(
            recipient=command.recipient,
            notified_at=command.notified_at,
            reference=_optional_text("reference", command.reference, SHORT_MAX),
            method=_optional_text("method", command.method, SHORT_MAX),
        )
    ]


def _candour_step(
    command: RecordCandourStep, state: IncidentState, context: Context
) -> list[Event]:
    if any(s.step == command.step for s in state.candour_steps):
        raise InvalidTransition(f"duty of candour step {command.step!r} is already recorded")
    _moment("done_at", command.done_at, context, not_before=state.occurred_at)
    return [IncidentCandourStepRecorded(step=command.step, done_at=command.done_at)]


def _investigate(
    command: StartInvestigation, state: IncidentState, context: Context
) -> list[Event]:
    if state.status != "reported":
        raise InvalidTransition("the investigation has already started")
    started_at = command.started_at or context.now
    _moment("started_at", started_at, context, not_before=state.occurred_at)
    return [
        IncidentInvestigationStarted(investigator_id=command.investigator_id, started_at=started_at)
    ]


def _root_cause(command: RecordRootCause, state: IncidentState, context: Context) -> list[Event]:
    _require_investigation(state, "its root cause")
    return [IncidentRootCauseRecorded(text=_text("text", command.text))]


def _lessons(command: RecordLessons, state: IncidentState, context: Context) -> list[Event]:
    _require_investigation(state, "lessons learned")
    return [IncidentLessonsRecorded(text=_text("text", command.text))]


def _close(command: CloseIncident, state: IncidentState, context: Context) -> list[Event]:
    if state.status != "investigating":
        raise InvalidTransition("an incident is closed only after investigation: start one first")
    summary = _text("summary", command.summary)
    outstanding = state.outstanding()
    if outstanding:
        due: dict[str, datetime] = {r.recipient: r.due_at for r in state.required}
        listed = ", ".join(f"{r} (due {due[r].isoformat()})" for r in outstanding)
        raise InvalidTransition(f"cannot close: required notifications outstanding: {listed}")
    return [IncidentClosed(summary=summary, closed_at=context.now)]


def _reopen(command: ReopenIncident, state: IncidentState, context: Context) -> list[Event]:
    if state.status != "closed":
        raise InvalidTransition("only a closed incident can be reopened")
    return [IncidentReopened(reason=_text("reason", command.reason), reopened_at=context.now)]


def _amend(command: AmendIncident, state: IncidentState, context: Context) -> list[Event]:
    description = command.description
    if not isinstance(description, UnsetType):
        description = _text("description", description)
    reportable = _given(command.riddor_reportable, state.riddor_reportable)
    amended = replace(
        state,
        description=_given(description, state.description),
        category=_given(command.category, state.category),
        severity=_given(command.severity, state.severity),
        riddor_reportable=reportable,
        # no longer reportable: the kind goes too, unless the command names one (and is refused)
        riddor_kind=_given(command.riddor_kind, state.riddor_kind if reportable else None),
    )
    if amended == state:
        raise InvalidCommand("body", "nothing to amend: every field given has its current value")
    _riddor(amended.riddor_reportable, amended.riddor_kind)
    return [
        IncidentAmended(
            description=amended.description,
            category=amended.category,
            severity=amended.severity,
            riddor_reportable=amended.riddor_reportable,
            riddor_kind=amended.riddor_kind,
            required_notifications=_recomputed(amended, context),
        )
    ]


def _recomputed(amended: IncidentState, context: Context) -> tuple[RequiredNotification, ...]:
    """Under today's settings: deadlines the incident already had still run from the report;
    a requirement the amendment adds runs from now, when the service became aware of it."""
    earlier = {r.recipient for r in amended.required}
    facts, settings = amended.facts(), context.settings
    from_report = {r.recipient: r for r in required_notifications(facts, settings)}
    from_now = required_notifications(replace(facts, reported_at=context.now), settings)
    return tuple(from_report[r.recipient] if r.recipient in earlier else r for r in from_now)


def _given(value: T | UnsetType, current: T) -> T:
    return current if isinstance(value, UnsetType) else value


def _require_investigation(state: IncidentState, what: str) -> None:
    if state.status != "investigating":
        raise InvalidTransition(f"start an investigation before recording {what}")


def _riddor(reportable: bool | None, kind: RiddorKind | None) -> None:
    if kind is not None and reportable is not True:
        message = "give a RIDDOR kind only when riddor_reportable is true"
        raise InvalidCommand("riddor_kind", message)


def _moment(
    field: str, value: datetime, context: Context, not_before: datetime | None = None
) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidCommand(field, "must include a timezone, e.g. 2026-03-01T14:30:00+00:00")
    if value > context.now:
        raise InvalidCommand(field, f"is in the future (now is {context.now.isoformat()})")
    if not_before is not None and value < not_before:
        raise InvalidCommand(field, f"is before the incident occurred ({not_before.isoformat()})")


def _text(field: str, value: str, limit: int = TEXT_MAX) -> str:
    text = value.strip()
    if not text:
        raise InvalidCommand(field, "must not be blank")
    if len(text) > limit:
        raise InvalidCommand(field, f"must be at most {limit} characters")
    return text


def _optional_text(field: str, value: str | None, limit: int = TEXT_MAX) -> str | None:
    return None if value is None or not value.strip() else _text(field, value, limit)


def index(state: IncidentState) -> RecordIndex:
    outstanding = state.outstanding()
    due = [r.due_at for r in state.required if r.recipient in outstanding]
    return RecordIndex(
        location_id=state.location_id,
        status=state.status,
        key_date=state.occurred_at,
        reference=state.reference,
        summary={
            "category": state.category,
            "severity": state.severity,
            "notifiable": bool(state.required),
            "outstanding_notifications": outstanding,
            "next_due_at": min(due).isoformat() if due else None,
            "occurred_at": state.occurred_at.isoformat(),
        },
    )


_HANDLERS: dict[type, Handler] = {
    RecordNotification: _notify,
    RecordCandourStep: _candour_step,
    StartInvestigation: _investigate,
    RecordRootCause: _root_cause,
    RecordLessons: _lessons,
    CloseIncident: _close,
    ReopenIncident: _reopen,
    AmendIncident: _amend,
}

DECIDER: Decider[IncidentState] = Decider(
    stream_type="incident",
    collection="incidents",
    events=EVENTS,
    decide=decide,
    evolve=evolve,
    index=index,
)
