"""The rules of an alert: which command is allowed when, and what it records. Pure."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, timedelta
from typing import Any

from services.alerts.commands import (
    AcknowledgeAlert,
    ClearCondition,
    EscalateAlert,
    RaiseAlert,
    ResolveAlert,
)
from services.alerts.events import (
    EVENTS,
    AlertAcknowledged,
    AlertConditionCleared,
    AlertEscalated,
    AlertRaised,
    AlertRecordsChanged,
    AlertResolved,
    RecordRef,
)
from services.alerts.state import UNRESOLVED, AlertState, evolve
from services.kernel.decider import Context, Decider, RecordIndex, dispatch
from services.kernel.errors import InvalidCommand, InvalidTransition
from services.kernel.events import Event

__all__ = ["DECIDER", "AlertState", "decide", "evolve", "index", "records_digest"]


def records_digest(records: tuple[RecordRef, ...]) -> str:
    """A short fingerprint of the records behind an alert, so a sweep sees a change cheaply."""
    ids = ",".join(sorted(f"{r.collection}/{r.id}" for r in records))
    return hashlib.sha256(ids.encode()).hexdigest()[:16]


def _raise(command: RaiseAlert, state: AlertState | None, context: Context) -> list[Event]:
    if not command.records:
        raise InvalidCommand("records", "an alert must name the records behind it")
    if state is not None and state.status in UNRESOLVED:
        if (
            records_digest(state.records) == records_digest(command.records)
            and state.title == command.title
            and state.location_ids == command.location_ids
        ):
            raise InvalidTransition("this alert is already open for the same records")
        return [
            AlertRecordsChanged(
                title=command.title,
                detail=command.detail,
                location_ids=command.location_ids,
                records=command.records,
                changed_at=context.now,
            )
        ]
    if state is not None and state.suppressed:
        raise InvalidTransition("resolved by hand; raised again only once the condition clears")
    return [
        AlertRaised(
            alert_id=command.alert_id,
            kind=command.kind,
            key=command.key,
            severity=command.severity,
            title=command.title,
            detail=command.detail,
            location_id=command.location_id,
            location_ids=command.location_ids,
            records=command.records,
            raised_at=context.now,
            occurrence=state.occurrence + 1 if state is not None else 1,
        )
    ]


def _unresolved(state: AlertState | None, doing: str) -> AlertState:
    if state is None:
        raise InvalidTransition(f"cannot {doing} an alert that does not exist")
    if state.status not in UNRESOLVED:
        raise InvalidTransition(f"cannot {doing} an alert that is resolved")
    return state


def _acknowledge(
    command: AcknowledgeAlert, state: AlertState | None, context: Context
) -> list[Event]:
    current = _unresolved(state, "acknowledge")
    if current.status == "acknowledged":
        raise InvalidTransition("this alert is already acknowledged")
    note = (command.note.strip() or None) if command.note is not None else None
    return [
        AlertAcknowledged(acknowledged_by=context.actor, acknowledged_at=context.now, note=note)
    ]


def _escalate(command: EscalateAlert, state: AlertState | None, context: Context) -> list[Event]:
    current = _unresolved(state, "escalate")
    if current.status != "open":
        raise InvalidTransition(f"only an unacknowledged alert is escalated, not {current.status}")
    if context.now < current.raised_at.astimezone(UTC) + timedelta(hours=command.after_hours):
        raise InvalidTransition(f"not yet {command.after_hours} hours unacknowledged")
    return [
        AlertEscalated(
            escalated_at=context.now,
            to_role="quality_lead",
            to_user_ids=command.to_user_ids,
            after_hours=command.after_hours,
        )
    ]


def _resolve(command: ResolveAlert, state: AlertState | None, context: Context) -> list[Event]:
    _unresolved(state, "resolve")
    if command.automatic:
        return [AlertResolved(resolved_at=context.now, automatic=True)]
    note = (command.note or "").strip()
    if not note:
        raise InvalidCommand("note", "say why the alert is resolved")
    return [
        AlertResolved(
            resolved_at=context.now, automatic=False, resolved_by=context.actor, note=note
        )
    ]


def _clear(command: ClearCondition, state: AlertState | None, context: Context) -> list[Event]:
    if state is None or not state.suppressed:
        raise InvalidTransition("only a condition resolved by hand is marked cleared")
    return [AlertConditionCleared(cleared_at=context.now)]


_HANDLERS: dict[type, Callable[[Any, AlertState | None, Context], list[Event]]] = {
    RaiseAlert: _raise,
    AcknowledgeAlert: _acknowledge,
    EscalateAlert: _escalate,
    ResolveAlert: _resolve,
    ClearCondition: _clear,
}

#: The events one command records, or a domain error saying why it is refused.
decide = dispatch(_HANDLERS, "alerts")


def index(state: AlertState) -> RecordIndex:
    """Lists filter alerts by home, status and (via the summary) kind; `from`/`to` by raise time."""
    return RecordIndex(
        location_id=state.location_id,
        status=state.status,
        key_date=state.raised_at,
        summary={
            "kind": state.kind,
            "key": state.key,
            "severity": state.severity,
            "title": state.title,
            "location_ids": [str(x) for x in state.location_ids],
            "records_digest": records_digest(state.records),
            "raised_at": state.raised_at.isoformat(),
            "occurrence": state.occurrence,
            "suppressed": state.suppressed,
        },
    )


DECIDER: Decider[AlertState] = Decider(
    stream_type="alert",
    collection="alerts",
    events=EVENTS,
    decide=decide,
    evolve=evolve,
    index=index,
)
