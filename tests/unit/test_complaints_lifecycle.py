"""Complaints after the response: extensions, closure, the Ombudsman, reopening, read side."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.complaints.commands import (
    CloseComplaint,
    EscalateComplaint,
    ExtendResponseDeadline,
    ReopenComplaint,
)
from services.complaints.decide import DECIDER, age_working_days, index
from services.complaints.events import (
    ComplaintAcknowledged,
    ComplaintClosed,
    ComplaintEscalated,
    ComplaintReopened,
    ComplaintResponded,
    ComplaintResponseDeadlineExtended,
)
from services.complaints.schemas import to_read
from services.kernel.errors import InvalidCommand, InvalidTransition
from tests.unit.test_complaints_decide import (
    ACKNOWLEDGED,
    CHRISTMAS_EVE,
    COMPLAINANT,
    COMPLAINT,
    HISTORIES,
    HOME,
    NOW,
    RECEIVED,
    RESPONDED,
    context,
    respond,
    state_after,
    when,
)

# extend ----------------------------------------------------------------------------------------


def test_an_agreed_extension_moves_the_response_deadline() -> None:
    command = ExtendResponseDeadline(new_respond_by=date(2027, 2, 9), reason="Awaiting GP records")

    (event,) = when(HISTORIES["investigating"], command)

    assert event == ComplaintResponseDeadlineExtended(
        previous_respond_by=date(2027, 1, 26),
        new_respond_by=date(2027, 2, 9),
        reason="Awaiting GP records",
    )
    state = state_after(*HISTORIES["investigating"], event)
    assert state.respond_by == date(2027, 2, 9) and state.extensions == 1
    (response,) = when([*HISTORIES["investigating"], event], respond(NOW))
    assert isinstance(response, ComplaintResponded) and response.late is False


@pytest.mark.parametrize(
    ("new_date", "reason", "field"),
    [
        (date(2027, 1, 26), "Awaiting GP records", "new_respond_by"),
        (date(2027, 1, 20), "Awaiting GP records", "new_respond_by"),
        (date(2027, 2, 9), "  ", "reason"),
    ],
)
def test_an_extension_must_be_later_and_give_a_reason(
    new_date: date, reason: str, field: str
) -> None:
    with pytest.raises(InvalidCommand) as refused:
        when(
            HISTORIES["acknowledged"],
            ExtendResponseDeadline(new_respond_by=new_date, reason=reason),
        )
    assert refused.value.field == field


@pytest.mark.parametrize("status", ["responded", "closed", "escalated"])
def test_there_is_nothing_to_extend_once_the_response_is_sent(status: str) -> None:
    command = ExtendResponseDeadline(new_respond_by=date(2027, 3, 1), reason="More time")
    with pytest.raises(InvalidTransition):
        when(HISTORIES[status], command)


def test_a_complaint_not_yet_acknowledged_can_be_extended() -> None:
    command = ExtendResponseDeadline(new_respond_by=date(2027, 3, 1), reason="Complainant abroad")
    assert when(HISTORIES["received"], command)


# close -----------------------------------------------------------------------------------------


def test_a_responded_complaint_is_closed_now_with_an_optional_note() -> None:
    assert when(HISTORIES["responded"], CloseComplaint(note="Complainant satisfied")) == [
        ComplaintClosed(closed_at=NOW, note="Complainant satisfied")
    ]
    assert when(HISTORIES["responded"], CloseComplaint()) == [ComplaintClosed(closed_at=NOW)]


def test_an_escalated_complaint_is_closed_when_the_ombudsman_is_done() -> None:
    (event,) = when(HISTORIES["escalated"], CloseComplaint(note="LGSCO found no fault"))

    state = state_after(*HISTORIES["escalated"], event)
    assert state.status == "closed" and state.escalated_to == "ombudsman"


@pytest.mark.parametrize("status", ["received", "acknowledged", "investigating", "closed"])
def test_only_a_responded_or_escalated_complaint_can_be_closed(status: str) -> None:
    with pytest.raises(InvalidTransition):
        when(HISTORIES[status], CloseComplaint())


# escalate --------------------------------------------------------------------------------------


def escalate(at: datetime = NOW, reference: str | None = "LGSCO 26 012 345") -> EscalateComplaint:
    return EscalateComplaint(to="ombudsman", escalated_at=at, reference=reference)


@pytest.mark.parametrize("status", ["responded", "closed"])
def test_the_complainant_takes_the_response_to_the_ombudsman(status: str) -> None:
    (event,) = when(HISTORIES[status], escalate())

    assert event == ComplaintEscalated(
        to="ombudsman", escalated_at=NOW, reference="LGSCO 26 012 345"
    )
    state = state_after(*HISTORIES[status], event)
    assert state.status == "escalated" and state.ombudsman_reference == "LGSCO 26 012 345"


def test_an_overdue_complaint_can_go_to_the_ombudsman_before_a_response() -> None:
    assert when(HISTORIES["investigating"], escalate(datetime(2027, 1, 27, 9, tzinfo=UTC)))


def test_a_complaint_still_within_its_deadline_cannot_be_escalated() -> None:
    with pytest.raises(InvalidTransition):
        when(HISTORIES["investigating"], escalate(datetime(2027, 1, 26, 9, tzinfo=UTC)))


def test_a_complaint_is_escalated_once() -> None:
    with pytest.raises(InvalidTransition):
        when(HISTORIES["escalated"], escalate())


@pytest.mark.parametrize("moment", [NOW + timedelta(hours=2), CHRISTMAS_EVE - timedelta(days=3)])
def test_escalated_at_must_be_between_receipt_and_now(moment: datetime) -> None:
    with pytest.raises(InvalidCommand) as refused:
        when(HISTORIES["closed"], escalate(moment))
    assert refused.value.field == "escalated_at"


# reopen ----------------------------------------------------------------------------------------


def test_reopening_resumes_the_investigation_with_a_new_deadline() -> None:
    (event,) = when(HISTORIES["closed"], ReopenComplaint(reason="New evidence from the family"))

    # 20 working days from Mon 1 Feb 2027: no bank holidays in February.
    assert event == ComplaintReopened(
        reason="New evidence from the family", reopened_at=NOW, respond_by=date(2027, 3, 1)
    )
    state = state_after(*HISTORIES["closed"], event)
    assert state.status == "investigating" and state.respond_by == date(2027, 3, 1)
    assert state.outcome is None and state.closed_at is None and state.responded_at is None
    assert state.reopen_reason == "New evidence from the family"


def test_reopening_without_an_investigator_returns_to_acknowledged() -> None:
    responded = [RECEIVED, ACKNOWLEDGED, RESPONDED]

    (event,) = when(responded, ReopenComplaint(reason="Wrong resident named"))

    assert state_after(*responded, event).status == "acknowledged"


def test_a_reopened_complaint_uses_the_tenants_response_deadline() -> None:
    settings = {"complaints.response_working_days": 5}

    (event,) = when(HISTORIES["escalated"], ReopenComplaint(reason="LGSCO"), context(settings))

    assert isinstance(event, ComplaintReopened) and event.respond_by == date(2027, 2, 8)


def test_reopening_needs_a_reason() -> None:
    with pytest.raises(InvalidCommand) as refused:
        when(HISTORIES["closed"], ReopenComplaint(reason=""))
    assert refused.value.field == "reason"


@pytest.mark.parametrize("status", ["received", "acknowledged", "investigating"])
def test_only_an_answered_complaint_can_be_reopened(status: str) -> None:
    with pytest.raises(InvalidTransition):
        when(HISTORIES[status], ReopenComplaint(reason="Again"))


# evolve, index, read ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", list(HISTORIES))
def test_each_history_folds_to_its_status_the_same_way_twice(status: str) -> None:
    assert state_after(*HISTORIES[status]).status == status
    assert DECIDER.fold(HISTORIES[status]) == DECIDER.fold(HISTORIES[status])


def test_the_index_lists_status_receipt_date_and_a_non_personal_summary() -> None:
    row = index(state_after(*HISTORIES["responded"]))

    assert (row.location_id, row.status, row.key_date) == (HOME, "responded", CHRISTMAS_EVE)
    assert row.reference == "CMP-000042"
    assert row.summary == {
        "channel": "letter",
        "acknowledge_by": "2026-12-31",
        "respond_by": "2027-01-26",
        "acknowledged_late": False,
        "outcome": "partly_upheld",
    }


def test_age_in_working_days_runs_until_closure() -> None:
    open_complaint = state_after(RECEIVED)
    assert age_working_days(open_complaint, date(2026, 12, 24)) == 0
    # Christmas Day, the weekend and the Boxing Day substitute do not count.
    assert age_working_days(open_complaint, date(2026, 12, 28)) == 0
    assert age_working_days(open_complaint, date(2026, 12, 31)) == 3
    closed = state_after(*HISTORIES["closed"])  # closed Fri 22 Jan 2027
    assert age_working_days(closed, date(2027, 6, 1)) == 18


def test_the_read_model_shows_deadlines_lateness_and_age() -> None:
    late = ComplaintAcknowledged(acknowledged_at=datetime(2027, 1, 4, 9, tzinfo=UTC), late=True)

    read = to_read(state_after(RECEIVED, late), today=date(2027, 1, 4))

    assert read.id == COMPLAINT and read.status == "acknowledged"
    assert read.acknowledge_by == date(2026, 12, 31) and read.respond_by == date(2027, 1, 26)
    assert read.acknowledged_late is True and read.responded_late is False
    assert read.age_working_days == 4 and read.complainant_id == COMPLAINANT


def test_the_decider_declares_its_collection_and_events() -> None:
    assert (DECIDER.stream_type, DECIDER.collection) == ("complaint", "complaints")
    assert ComplaintReopened in DECIDER.events and len(DECIDER.events) == 8
