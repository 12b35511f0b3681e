"""Improvement actions, given / when / then over decide and evolve: no database, no clock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import msgspec
import pytest

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
from services.actions.decide import DECIDER, FRAMEWORK, decide, index
from services.actions.events import (
    ActionCancelled,
    ActionCompleted,
    ActionOpened,
    ActionProgressNoted,
    ActionRaised,
    ActionReassigned,
    ActionRedated,
    ActionReopened,
    ActionSource,
    ActionStarted,
    ActionVerified,
)
from services.actions.schemas import render
from services.actions.state import ActionState
from services.kernel.decider import Context
from services.kernel.errors import Forbidden, InvalidCommand, InvalidTransition
from services.kernel.events import Event

NOW = datetime(2025, 3, 10, 9, 30, tzinfo=UTC)
ACTION, HOME = uuid4(), uuid4()
OWNER, MANAGER, QUALITY_LEAD = uuid4(), uuid4(), uuid4()
DUE = date(2025, 3, 31)
STATEMENT = "safe.medicines-optimisation"


def context(actor: UUID = MANAGER) -> Context:
    return Context(actor=actor, now=NOW, facts={"reference": "ACT-000007"})


def raise_action(**changes: Any) -> RaiseAction:
    fields: dict[str, Any] = dict(
        action_id=ACTION,
        location_id=HOME,
        title="Fix MAR chart gaps",
        description="Night staff to sign MAR charts at each round",
        success_measure="No MAR gaps at the next two medication audits",
        owner_id=OWNER,
        due_date=DUE,
        priority="high",
    )
    return RaiseAction(**{**fields, **changes})


def raised(**changes: Any) -> ActionRaised:
    (event,) = decide(raise_action(**changes), None, context())
    assert isinstance(event, ActionRaised)
    return event


COMPLETED = ActionCompleted(evidence="Audit 12 shows no gaps", completed_by=OWNER, completed_at=NOW)
VERIFIED = ActionVerified(note=None, verified_by=QUALITY_LEAD, verified_at=NOW)
CANCELLED = ActionCancelled(
    reason="Duplicate of ACT-000003", cancelled_by=MANAGER, cancelled_at=NOW
)
STARTED = ActionStarted(started_by=OWNER, started_at=NOW)
HISTORIES: dict[str, tuple[Event, ...]] = {
    "draft": (raised(draft=True),),
    "open": (raised(),),
    "in_progress": (raised(), STARTED),
    "completed": (raised(), STARTED, COMPLETED),
    "verified": (raised(), STARTED, COMPLETED, VERIFIED),
    "cancelled": (raised(), CANCELLED),
}


def given(events: Sequence[Event]) -> ActionState | None:
    return DECIDER.fold(events)


def when(events: Sequence[Event], command: Any, actor: UUID = MANAGER) -> list[Event]:
    return list(decide(command, given(events), context(actor)))


def then_state(events: Sequence[Event], command: Any, actor: UUID = MANAGER) -> ActionState:
    state = DECIDER.fold(when(events, command, actor), given(events))
    assert state is not None
    return state


def statuses_except(*allowed: str) -> list[str]:
    return [s for s in HISTORIES if s not in allowed]


# raise


def test_raising_records_every_field_with_the_tenant_reference() -> None:
    event = raised(
        source=ActionSource(kind="incident", id="INC-000004"), quality_statements=(STATEMENT,)
    )
    assert event.reference == "ACT-000007"
    assert (event.owner_id, event.due_date, event.priority) == (OWNER, DUE, "high")
    assert event.quality_statements == (STATEMENT,) and event.framework == FRAMEWORK
    assert (event.raised_by, event.raised_at, event.draft) == (MANAGER, NOW, False)
    assert given([event]).status == "open"  # type: ignore[union-attr]


def test_a_draft_action_starts_as_draft_and_opening_makes_it_open() -> None:
    draft = (raised(draft=True),)
    assert given(draft).status == "draft"  # type: ignore[union-attr]
    assert when(draft, OpenAction()) == [ActionOpened(opened_by=MANAGER, opened_at=NOW)]
    assert then_state(draft, OpenAction()).status == "open"


def test_due_date_may_be_in_the_past_and_text_is_trimmed() -> None:
    event = raised(due_date=date(2024, 1, 2), title="  Review falls  ")
    assert (event.due_date, event.title) == (date(2024, 1, 2), "Review falls")


def test_no_statements_means_no_framework_and_repeats_are_dropped() -> None:
    assert raised().framework is None
    twice = raised(quality_statements=(STATEMENT, "safe.safeguarding", STATEMENT))
    assert twice.quality_statements == (STATEMENT, "safe.safeguarding")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"quality_statements": ("safe.flying",)}, "quality_statements"),
        ({"title": "   "}, "title"),
        ({"description": ""}, "description"),
        ({"success_measure": "\n"}, "success_measure"),
        ({"source": ActionSource(kind="complaint", id=" ")}, "source.id"),
    ],
)
def test_raising_refuses_bad_values(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidCommand) as refused:
        decide(raise_action(**changes), None, context())
    assert refused.value.field == field


def test_an_action_is_raised_once() -> None:
    with pytest.raises(InvalidTransition):
        when(HISTORIES["open"], raise_action())


@pytest.mark.parametrize(
    "command",
    [OpenAction(), StartAction(), NoteProgress(text="x"), CancelAction(reason="x")],
    ids=lambda c: type(c).__name__,
)
def test_commands_need_an_existing_action(command: Any) -> None:
    with pytest.raises(InvalidTransition, match="does not exist"):
        when([], command)


def test_an_unknown_command_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        when(HISTORIES["open"], object())


# open


@pytest.mark.parametrize("status", statuses_except("draft"))
def test_only_a_draft_can_be_opened(status: str) -> None:
    with pytest.raises(InvalidTransition, match="cannot open"):
        when(HISTORIES[status], OpenAction())


# assign


@pytest.mark.parametrize("status", ["draft", "open", "in_progress"])
def test_assigning_gives_the_action_a_new_owner(status: str) -> None:
    new_owner = uuid4()
    events = when(HISTORIES[status], ReassignAction(owner_id=new_owner))
    assert events == [ActionReassigned(owner_id=new_owner, previous_owner_id=OWNER)]
    assert then_state(HISTORIES[status], ReassignAction(owner_id=new_owner)).owner_id == new_owner


def test_assigning_to_the_current_owner_is_refused() -> None:
    with pytest.raises(InvalidCommand) as refused:
        when(HISTORIES["open"], ReassignAction(owner_id=OWNER))
    assert refused.value.field == "owner_id"


@pytest.mark.parametrize("status", ["completed", "verified", "cancelled"])
def test_a_closed_action_cannot_be_reassigned(status: str) -> None:
    with pytest.raises(InvalidTransition, match="cannot reassign"):
        when(HISTORIES[status], ReassignAction(owner_id=uuid4()))


# redate


def test_redating_keeps_the_reason_and_the_earlier_date() -> None:
    command = RedateAction(due_date=date(2025, 4, 30), reason=" Pharmacy training moved ")
    assert when(HISTORIES["in_progress"], command) == [
        ActionRedated(
            due_date=date(2025, 4, 30),
            previous_due_date=DUE,
            reason="Pharmacy training moved",
            redated_by=MANAGER,
            redated_at=NOW,
        )
    ]
    state = then_state(HISTORIES["in_progress"], command)
    assert state.due_date == date(2025, 4, 30)
    assert [(c.previous_due_date, c.due_date) for c in state.due_date_changes] == [
        (DUE, date(2025, 4, 30))
    ]


@pytest.mark.parametrize(
    ("command", "field"),
    [
        (RedateAction(due_date=date(2025, 4, 30), reason="  "), "reason"),
        (RedateAction(due_date=DUE, reason="no change"), "due_date"),
    ],
)
def test_redating_needs_a_reason_and_a_new_date(command: RedateAction, field: str) -> None:
    with pytest.raises(InvalidCommand) as refused:
        when(HISTORIES["open"], command)
    assert refused.value.field == field


@pytest.mark.parametrize("status", ["completed", "verified", "cancelled"])
def test_a_closed_action_cannot_be_redated(status: str) -> None:
    with pytest.raises(InvalidTransition, match="cannot redate"):
        when(HISTORIES[status], RedateAction(due_date=date(2025, 5, 1), reason="late"))


# note


def test_a_progress_note_moves_an_open_action_in_progress() -> None:
    events = when(HISTORIES["open"], NoteProgress(text="Spoke to pharmacy"), actor=OWNER)
    assert events == [ActionProgressNoted(text="Spoke to pharmacy", noted_by=OWNER, noted_at=NOW)]
    state = then_state(HISTORIES["open"], NoteProgress(text="Spoke to pharmacy"), actor=OWNER)
    assert state.status == "in_progress"
    assert [(n.text, n.noted_by) for n in state.notes] == [("Spoke to pharmacy", OWNER)]


def test_notes_accumulate_on_an_action_in_progress() -> None:
    history = (
        *HISTORIES["in_progress"],
        ActionProgressNoted(text="one", noted_by=OWNER, noted_at=NOW),
    )
    state = then_state(history, NoteProgress(text="two"))
    assert (state.status, [n.text for n in state.notes]) == ("in_progress", ["one", "two"])


def test_a_blank_note_is_refused() -> None:
    with pytest.raises(InvalidCommand) as refused:
        when(HISTORIES["open"], NoteProgress(text=" "))
    assert refused.value.field == "text"


@pytest.mark.parametrize("status", statuses_except("open", "in_progress"))
def test_notes_only_on_live_opened_actions(status: str) -> None:
    with pytest.raises(InvalidTransition, match="cannot note progress"):
        when(HISTORIES[status], NoteProgress(text="x"))


# start


def test_starting_an_open_action() -> None:
    assert when(HISTORIES["open"], StartAction(), actor=OWNER) == [
        ActionStarted(started_by=OWNER, started_at=NOW)
    ]
    assert then_state(HISTORIES["open"], StartAction()).status == "in_progress"


@pytest.mark.parametrize("status", statuses_except("open"))
def test_only_an_open_action_can_be_started(status: str) -> None:
    with pytest.raises(InvalidTransition, match="cannot start"):
        when(HISTORIES[status], StartAction())


# complete


@pytest.mark.parametrize("status", ["open", "in_progress"])
def test_completing_records_the_evidence(status: str) -> None:
    command = CompleteAction(evidence="Audit 12 shows no gaps")
    assert when(HISTORIES[status], command, actor=OWNER) == [COMPLETED]
    state = then_state(HISTORIES[status], command, actor=OWNER)
    assert (state.status, state.evidence, state.completed_by) == (
        "completed",
        "Audit 12 shows no gaps",
        OWNER,
    )


def test_completing_needs_evidence() -> None:
    with pytest.raises(InvalidCommand) as refused:
        when(HISTORIES["in_progress"], CompleteAction(evidence="  "))
    assert refused.value.field == "evidence"


@pytest.mark.parametrize("status", statuses_except("open", "in_progress"))
def test_completing_needs_an_opened_live_action(status: str) -> None:
    with pytest.raises(InvalidTransition, match=f"cannot complete an action that is {status}"):
        when(HISTORIES[status], CompleteAction(evidence="done"))


# verify


def test_someone_other_than_the_owner_verifies() -> None:
    command = VerifyAction(note=" Checked the MAR charts ")
    events = when(HISTORIES["completed"], command, actor=QUALITY_LEAD)
    assert events == [
        ActionVerified(note="Checked the MAR charts", verified_by=QUALITY_LEAD, verified_at=NOW)
    ]
    state = then_state(HISTORIES["completed"], command, actor=QUALITY_LEAD)
    assert (state.status, state.verified_by, state.evidence) == (
        "verified",
        QUALITY_LEAD,
        COMPLETED.evidence,
    )


def test_a_blank_verification_note_is_no_note() -> None:
    (event,) = when(HISTORIES["completed"], VerifyAction(note=" "), actor=QUALITY_LEAD)
    assert isinstance(event, ActionVerified) and event.note is None


def test_the_owner_cannot_verify_their_own_action() -> None:
    with pytest.raises(Forbidden, match="verified by its owner"):
        when(HISTORIES["completed"], VerifyAction(), actor=OWNER)


@pytest.mark.parametrize("status", statuses_except("completed"))
def test_only_a_completed_action_can_be_verified(status: str) -> None:
    with pytest.raises(InvalidTransition, match="cannot verify"):
        when(HISTORIES[status], VerifyAction(), actor=QUALITY_LEAD)


# reopen


@pytest.mark.parametrize("status", ["completed", "verified", "cancelled"])
def test_reopening_a_closed_action_clears_its_closure(status: str) -> None:
    command = ReopenAction(reason="Gaps found again")
    assert when(HISTORIES[status], command) == [
        ActionReopened(reason="Gaps found again", reopened_by=MANAGER, reopened_at=NOW)
    ]
    state = then_state(HISTORIES[status], command)
    assert (state.status, state.reopen_reason) == ("open", "Gaps found again")
    assert (state.evidence, state.verified_by, state.cancellation_reason) == (None, None, None)


def test_reopening_needs_a_reason() -> None:
    with pytest.raises(InvalidCommand) as refused:
        when(HISTORIES["completed"], ReopenAction(reason=""))
    assert refused.value.field == "reason"


@pytest.mark.parametrize("status", ["draft", "open", "in_progress"])
def test_a_live_action_cannot_be_reopened(status: str) -> None:
    with pytest.raises(InvalidTransition, match="cannot reopen"):
        when(HISTORIES[status], ReopenAction(reason="x"))


# cancel


@pytest.mark.parametrize("status", ["draft", "open", "in_progress"])
def test_cancelling_a_live_action(status: str) -> None:
    command = CancelAction(reason="Duplicate of ACT-000003")
    assert when(HISTORIES[status], command) == [CANCELLED]
    state = then_state(HISTORIES[status], command)
    assert (state.status, state.cancellation_reason) == ("cancelled", "Duplicate of ACT-000003")


def test_cancelling_needs_a_reason() -> None:
    with pytest.raises(InvalidCommand) as refused:
        when(HISTORIES["open"], CancelAction(reason=" "))
    assert refused.value.field == "reason"


@pytest.mark.parametrize("status", ["completed", "verified", "cancelled"])
def test_a_closed_action_cannot_be_cancelled(status: str) -> None:
    with pytest.raises(InvalidTransition, match="cannot cancel"):
        when(HISTORIES[status], CancelAction(reason="x"))


# index, replay, render, the audits helper


def test_the_index_lists_by_due_date_at_midnight_utc() -> None:
    row = index(given(HISTORIES["in_progress"]))  # type: ignore[arg-type]
    assert (row.location_id, row.status, row.reference) == (HOME, "in_progress", "ACT-000007")
    assert row.key_date == datetime(2025, 3, 31, tzinfo=UTC)
    assert row.summary == {
        "title": "Fix MAR chart gaps",
        "priority": "high",
        "due_date": "2025-03-31",
        "owner_id": str(OWNER),
    }


@pytest.mark.parametrize("status", list(HISTORIES))
def test_replaying_the_same_events_gives_the_same_state(status: str) -> None:
    assert given(HISTORIES[status]) == given(HISTORIES[status])
    encoded = [msgspec.json.encode(e) for e in HISTORIES[status]]
    decoded = [
        msgspec.json.decode(raw, type=type(e))
        for raw, e in zip(encoded, HISTORIES[status], strict=True)
    ]
    assert given(decoded) == given(HISTORIES[status])


def test_render_shows_every_field_but_the_id() -> None:
    history = (
        *HISTORIES["in_progress"],
        ActionProgressNoted(text="one", noted_by=OWNER, noted_at=NOW),
    )
    read = msgspec.to_builtins(render(given(history)))  # type: ignore[arg-type]
    assert "action_id" not in read
    assert read["reference"] == "ACT-000007" and read["status"] == "in_progress"
    assert read["notes"] == [
        {"text": "one", "noted_by": str(OWNER), "noted_at": NOW.isoformat().replace("+00:00", "Z")}
    ]


def test_a_draft_for_an_audit_finding_is_a_valid_draft() -> None:
    audit = uuid4()
    command = draft_for_finding(
        ACTION,
        audit_id=audit,
        question_key="medication.mar-signed",
        question_text="Are MARs signed?",
        quality_statement=STATEMENT,
        location_id=HOME,
        owner_id=OWNER,
        due_date=DUE,
    )
    state = given(decide(command, None, context()))
    assert state is not None and state.status == "draft"
    assert state.source == ActionSource(kind="audit_finding", id=f"{audit}:medication.mar-signed")
    assert (state.quality_statements, state.framework, state.priority) == (
        (STATEMENT,),
        FRAMEWORK,
        "high",
    )
