"""Reconciling findings with the alerts already recorded: given the open (and suppressed) alerts'
index rows and this sweep's findings, then exactly the commands that bring them in line."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import msgspec

from services.alerts.commands import ClearCondition, RaiseAlert, ResolveAlert
from services.alerts.decide import DECIDER, index
from services.alerts.events import alert_id
from services.kernel.decider import Context
from services.kernel.index import IndexedRecord
from workers.alert_reconcile import plan, raise_command
from workers.detectors.model import Finding, finding

TENANT, HOME = uuid4(), uuid4()
NOW = datetime(2026, 6, 15, tzinfo=UTC)


def overdue(action: str, title: str = "Action overdue") -> Finding:
    return finding(
        "overdue_action", action, title, "d", location_id=str(HOME), records=[("actions", action)]
    )


def row(found: Finding, status: str = "open", suppressed: bool = False) -> IndexedRecord:
    """The index row the alert for `found` would have, as the kernel writes it."""
    command = raise_command(TENANT, found)
    [raised] = DECIDER.decide(command, None, _context())
    state = DECIDER.fold([raised])
    assert state is not None
    state = msgspec.structs.replace(state, status=status, suppressed=suppressed)  # type: ignore[arg-type]
    entry = index(state)
    return IndexedRecord(
        record_id=command.alert_id,
        location_id=entry.location_id,
        status=entry.status,
        reference=None,
        key_date=entry.key_date,
        version=1,
        summary=dict(entry.summary),
        created_at=NOW,
        updated_at=NOW,
    )


def _context() -> Context:
    return Context(actor=uuid4(), now=NOW)


def test_a_new_condition_is_raised() -> None:
    action = str(uuid4())
    [(alert, command)] = plan(TENANT, [overdue(action)], [])
    assert alert == alert_id(TENANT, "overdue_action", action)
    assert isinstance(command, RaiseAlert) and command.records[0].url == f"/api/v1/actions/{action}"


def test_an_open_alert_found_again_unchanged_needs_nothing() -> None:
    found = overdue(str(uuid4()))
    assert plan(TENANT, [found], [row(found)]) == []


def test_an_open_alert_whose_title_changed_is_updated() -> None:
    action = str(uuid4())
    [(_, command)] = plan(TENANT, [overdue(action, "new")], [row(overdue(action))])
    assert isinstance(command, RaiseAlert) and command.title == "new"


def test_an_open_alert_no_longer_found_is_resolved_automatically() -> None:
    gone = overdue(str(uuid4()))
    [(_, command)] = plan(TENANT, [], [row(gone, status="acknowledged")])
    assert command == ResolveAlert(automatic=True)


def test_resolved_by_hand_stays_quiet_while_found_and_is_cleared_once_not() -> None:
    found = overdue(str(uuid4()))
    suppressed = row(found, status="resolved", suppressed=True)
    assert plan(TENANT, [found], [suppressed]) == []
    [(_, command)] = plan(TENANT, [], [suppressed])
    assert command == ClearCondition()
