"""The rules of an improvement action: which command is allowed when, and what it records."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, time
from typing import Any

from services.actions.commands import (
    CancelAction,
    CompleteAction,
    NoteProgress,
    OpenAction,
    RaiseAction,
    ReassignAction,
    RedateAction,
    ReopenAction,
    StartAction,
    VerifyAction,
    draft_for_finding,
)
from services.actions.events import (
    ACTION_EVENTS,
    ActionCancelled,
    ActionCompleted,
    ActionOpened,
    ActionProgressNoted,
    ActionRaised,
    ActionReassigned,
    ActionRedated,
    ActionReopened,
    ActionStarted,
    ActionVerified,
)
from services.actions.state import ActionState, Status, evolve
from services.frameworks import default_catalogue
from services.kernel.decider import Context, Decider, RecordIndex, dispatch
from services.kernel.errors import Forbidden, InvalidCommand, InvalidTransition
from services.kernel.events import Event

#: Actions are numbered per provider group: ACT-000001, ACT-000002…
REFERENCE_PREFIX = "ACT"
#: The framework version quality statements are mapped under when an action is raised.
FRAMEWORK = "cqc-saf-2024"

LIVE: frozenset[Status] = frozenset({"draft", "open", "in_progress"})
CLOSED: frozenset[Status] = frozenset({"completed", "verified", "cancelled"})

__all__ = [
    "DECIDER",
    "FRAMEWORK",
    "REFERENCE_PREFIX",
    "ActionState",
    "decide",
    "draft_for_finding",
    "evolve",
    "index",
    "known_statements",
]


def _require(state: ActionState | None, allowed: Iterable[Status], doing: str) -> ActionState:
    if state is None:
        raise InvalidTransition(f"cannot {doing} an action that does not exist")
    if state.status not in allowed:
        raise InvalidTransition(
            f"cannot {doing} an action that is {state.status.replace('_', ' ')}"
        )
    return state


def _text(field: str, value: str) -> str:
    """Required free text: refused when blank, kept without surrounding whitespace."""
    cleaned = value.strip()
    if not cleaned:
        raise InvalidCommand(field, "must not be blank")
    return cleaned


def known_statements(statement_ids: Sequence[str], framework: str = FRAMEWORK) -> tuple[str, ...]:
    """The ids in order without repeats; InvalidCommand naming the first one `framework` lacks."""
    catalogue = default_catalogue()
    for statement_id in statement_ids:
        if not catalogue.has_statement(framework, statement_id):
            raise InvalidCommand(
                "quality_statements", f"{statement_id!r} is not a quality statement of {framework}"
            )
    return tuple(dict.fromkeys(statement_ids))


def _raise(command: RaiseAction, state: ActionState | None, context: Context) -> list[Event]:
    if state is not None:
        raise InvalidTransition("this action already exists")
    if command.source is not None:
        _text("source.id", command.source.id)
    statements = known_statements(command.quality_statements)
    return [
        ActionRaised(
            action_id=command.action_id,
            reference=context.facts["reference"],
            location_id=command.location_id,
            title=_text("title", command.title),
            description=_text("description", command.description),
            success_measure=_text("success_measure", command.success_measure),
            owner_id=command.owner_id,
            due_date=command.due_date,
            priority=command.priority,
            source=command.source,
            quality_statements=statements,
            framework=FRAMEWORK if statements else None,
            draft=command.draft,
            raised_by=context.actor,
            raised_at=context.now,
        )
    ]


def _open(command: OpenAction, state: ActionState | None, context: Context) -> list[Event]:
    _require(state, {"draft"}, "open")
    return [ActionOpened(opened_by=context.actor, opened_at=context.now)]


def _reassign(command: ReassignAction, state: ActionState | None, context: Context) -> list[Event]:
    current = _require(state, LIVE, "reassign")
    if command.owner_id == current.owner_id:
        raise InvalidCommand("owner_id", "this user already owns the action")
    return [ActionReassigned(owner_id=command.owner_id, previous_owner_id=current.owner_id)]


def _redate(command: RedateAction, state: ActionState | None, context: Context) -> list[Event]:
    current = _require(state, LIVE, "redate")
    reason = _text("reason", command.reason)
    if command.due_date == current.due_date:
        raise InvalidCommand("due_date", "the action is already due on this date")
    return [
        ActionRedated(
            due_date=command.due_date,
            previous_due_date=current.due_date,
            reason=reason,
            redated_by=context.actor,
            redated_at=context.now,
        )
    ]


def _note(command: NoteProgress, state: ActionState | None, context: Context) -> list[Event]:
    _require(state, {"open", "in_progress"}, "note progress on")
    return [
        ActionProgressNoted(
            text=_text("text", command.text), noted_by=context.actor, noted_at=context.now
        )
    ]


def _start(command: StartAction, state: ActionState | None, context: Context) -> list[Event]:
    _require(state, {"open"}, "start")
    return [ActionStarted(started_by=context.actor, started_at=context.now)]


def _complete(command: CompleteAction, state: ActionState | None, context: Context) -> list[Event]:
    _require(state, {"open", "in_progress"}, "complete")
    evidence = _text("evidence", command.evidence)
    return [
        ActionCompleted(evidence=evidence, completed_by=context.actor, completed_at=context.now)
    ]


def _verify(command: VerifyAction, state: ActionState | None, context: Context) -> list[Event]:
    current = _require(state, {"completed"}, "verify")
    if context.actor == current.owner_id:
        raise Forbidden("an action cannot be verified by its owner")
    note = (command.note.strip() or None) if command.note is not None else None
    return [ActionVerified(note=note, verified_by=context.actor, verified_at=context.now)]


def _reopen(command: ReopenAction, state: ActionState | None, context: Context) -> list[Event]:
    _require(state, CLOSED, "reopen")
    reason = _text("reason", command.reason)
    return [ActionReopened(reason=reason, reopened_by=context.actor, reopened_at=context.now)]


def _cancel(command: CancelAction, state: ActionState | None, context: Context) -> list[Event]:
    _require(state, LIVE, "cancel")
    reason = _text("reason", command.reason)
    return [ActionCancelled(reason=reason, cancelled_by=context.actor, cancelled_at=context.now)]


_HANDLERS: dict[type, Callable[[Any, ActionState | None, Context], list[Event]]] = {
    RaiseAction: _raise,
    OpenAction: _open,
    ReassignAction: _reassign,
    RedateAction: _redate,
    NoteProgress: _note,
    StartAction: _start,
    CompleteAction: _complete,
    VerifyAction: _verify,
    ReopenAction: _reopen,
    CancelAction: _cancel,
}


#: The events one command records, or a domain error saying why it is refused.
decide = dispatch(_HANDLERS, "actions")


def index(state: ActionState) -> RecordIndex:
    """Lists filter actions by home and status, and by due date with `from`/`to`."""
    return RecordIndex(
        location_id=state.location_id,
        status=state.status,
        key_date=datetime.combine(state.due_date, time(), tzinfo=UTC),
        reference=state.reference,
        summary={
            "title": state.title,
            "priority": state.priority,
            "due_date": state.due_date.isoformat(),
            "owner_id": str(state.owner_id),
        },
    )


DECIDER: Decider[ActionState] = Decider(
    stream_type="action",
    collection="actions",
    events=ACTION_EVENTS,
    decide=decide,
    evolve=evolve,
    index=index,
)
