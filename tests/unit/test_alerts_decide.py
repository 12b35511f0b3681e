"""Alerts: given an alert's events, when a command, then events (or the refusal)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from services.alerts.commands import (
    AcknowledgeAlert,
    ClearCondition,
    EscalateAlert,
    RaiseAlert,
    ResolveAlert,
)
from services.alerts.decide import DECIDER, index
from services.alerts.events import (
    AlertAcknowledged,
    AlertConditionCleared,
    AlertEscalated,
    AlertRaised,
    AlertRecordsChanged,
    AlertResolved,
    RecordRef,
    alert_id,
)
from services.kernel.decider import Context
from services.kernel.errors import InvalidCommand, InvalidTransition
from services.kernel.events import Event

TENANT, HOME, USER = uuid4(), uuid4(), uuid4()
NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)
ALERT = alert_id(TENANT, "overdue_action", "a-1")
ACTION = uuid4()
REFS = (RecordRef(collection="actions", id=ACTION, url=f"/api/v1/actions/{ACTION}"),)


def raise_command(
    records: tuple[RecordRef, ...] = REFS, title: str = "Action overdue"
) -> RaiseAlert:
    return RaiseAlert(
        alert_id=ALERT,
        kind="overdue_action",
        key="a-1",
        severity="medium",
        title=title,
        detail="d",
        location_id=HOME,
        location_ids=(HOME,),
        records=records,
    )


def when(given: Sequence[Event], command: object, now: datetime = NOW) -> list[Event]:
    state = DECIDER.fold(given)
    return list(DECIDER.decide(command, state, Context(actor=USER, now=now)))


RAISED = AlertRaised(
    alert_id=ALERT,
    kind="overdue_action",
    key="a-1",
    severity="medium",
    title="Action overdue",
    detail="d",
    location_id=HOME,
    location_ids=(HOME,),
    records=REFS,
    raised_at=NOW - timedelta(hours=50),
)


def test_the_alert_id_is_stable_per_tenant_kind_and_key() -> None:
    assert alert_id(TENANT, "overdue_action", "a-1") == ALERT
    assert alert_id(TENANT, "overdue_action", "a-2") != ALERT
    assert alert_id(uuid4(), "overdue_action", "a-1") != ALERT


def test_raise_a_new_alert() -> None:
    [event] = when([], raise_command())
    assert isinstance(event, AlertRaised) and event.occurrence == 1 and event.raised_at == NOW


def test_raising_an_open_alert_again_records_nothing() -> None:
    with pytest.raises(InvalidTransition):
        when([RAISED], raise_command())


def test_raising_an_open_alert_with_other_records_updates_them() -> None:
    more = (*REFS, RecordRef(collection="actions", id=uuid4(), url="/x"))
    [event] = when([RAISED], raise_command(more))
    assert isinstance(event, AlertRecordsChanged) and event.records == more


def test_a_condition_that_recurs_after_automatic_resolution_is_raised_again() -> None:
    resolved = AlertResolved(resolved_at=NOW, automatic=True)
    [event] = when([RAISED, resolved], raise_command())
    assert isinstance(event, AlertRaised) and event.occurrence == 2


def test_resolved_by_hand_is_not_raised_again_until_the_condition_clears() -> None:
    by_hand = AlertResolved(resolved_at=NOW, automatic=False, resolved_by=USER, note="known")
    with pytest.raises(InvalidTransition):
        when([RAISED, by_hand], raise_command())
    [cleared] = when([RAISED, by_hand], ClearCondition())
    assert isinstance(cleared, AlertConditionCleared)
    [again] = when([RAISED, by_hand, cleared], raise_command())
    assert isinstance(again, AlertRaised) and again.occurrence == 2


def test_acknowledge_records_who_and_once_only() -> None:
    [event] = when([RAISED], AcknowledgeAlert(note="  on it "))
    assert event == AlertAcknowledged(acknowledged_by=USER, acknowledged_at=NOW, note="on it")
    with pytest.raises(InvalidTransition):
        when([RAISED, event], AcknowledgeAlert())


def test_escalate_only_when_unacknowledged_past_the_limit() -> None:
    command = EscalateAlert(to_user_ids=(USER,), after_hours=48)
    [event] = when([RAISED], command)
    assert isinstance(event, AlertEscalated) and event.to_role == "quality_lead"
    with pytest.raises(InvalidTransition):
        when([RAISED], command, now=RAISED.raised_at + timedelta(hours=47))
    ack = AlertAcknowledged(acknowledged_by=USER, acknowledged_at=NOW)
    with pytest.raises(InvalidTransition):
        when([RAISED, ack], command)
    with pytest.raises(InvalidTransition):
        when([RAISED, event], command)


def test_an_escalated_alert_can_still_be_acknowledged() -> None:
    escalated = AlertEscalated(
        escalated_at=NOW, to_role="quality_lead", to_user_ids=(), after_hours=48
    )
    [event] = when([RAISED, escalated], AcknowledgeAlert())
    state = DECIDER.fold([RAISED, escalated, event])
    assert state is not None and state.status == "acknowledged" and state.escalated_at == NOW


def test_resolve_by_hand_needs_a_note() -> None:
    with pytest.raises(InvalidCommand) as refused:
        when([RAISED], ResolveAlert(note="  "))
    assert refused.value.field == "note"
    [event] = when([RAISED], ResolveAlert(note="done"))
    assert event == AlertResolved(resolved_at=NOW, automatic=False, resolved_by=USER, note="done")
    with pytest.raises(InvalidTransition):
        when([RAISED, event], ResolveAlert(note="again"))


def test_index_lists_by_kind_status_and_home() -> None:
    state = DECIDER.fold([RAISED])
    assert state is not None
    row = index(state)
    assert (row.location_id, row.status, row.summary["kind"]) == (HOME, "open", "overdue_action")
