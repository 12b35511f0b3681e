"""Complaints, given / when / then over decide and evolve: working-day deadlines, no database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from services.complaints.commands import (
    AcknowledgeComplaint,
    InvestigateComplaint,
    ReceiveComplaint,
    RespondToComplaint,
)
from services.complaints.decide import DECIDER, Complaint, decide
from services.complaints.events import (
    ComplaintAcknowledged,
    ComplaintClosed,
    ComplaintEscalated,
    ComplaintInvestigationStarted,
    ComplaintReceived,
    ComplaintResponded,
)
from services.kernel.decider import Context
from services.kernel.errors import InvalidCommand, InvalidTransition
from services.kernel.events import Event

NOW = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
CHRISTMAS_EVE = datetime(2026, 12, 24, 10, 0, tzinfo=UTC)  # a Thursday
COMPLAINT, HOME, OTHER_HOME = uuid4(), uuid4(), uuid4()
INVESTIGATOR, COMPLAINANT, RESIDENT = uuid4(), uuid4(), uuid4()


def context(settings: Mapping[str, Any] | None = None, **facts: Any) -> Context:
    return Context(
        actor=uuid4(), now=NOW, settings=settings or {}, facts={"reference": "CMP-000042", **facts}
    )


def receive(**changes: Any) -> ReceiveComplaint:
    fields: dict[str, Any] = dict(
        complaint_id=COMPLAINT,
        location_id=HOME,
        received_at=CHRISTMAS_EVE,
        channel="letter",
        summary="Call bell not answered for 40 minutes at night",
        complainant_id=COMPLAINANT,
        about_person_id=RESIDENT,
    )
    return ReceiveComplaint(**{**fields, **changes})


def when(given: Sequence[Event], command: object, ctx: Context | None = None) -> list[Event]:
    return list(decide(command, DECIDER.fold(given), ctx or context()))


def state_after(*events: Event) -> Complaint:
    state = DECIDER.fold(events)
    assert state is not None
    return state


RECEIVED = when([], receive())[0]
ACKNOWLEDGED = ComplaintAcknowledged(
    acknowledged_at=datetime(2026, 12, 29, 11, tzinfo=UTC), late=False
)
INVESTIGATING = ComplaintInvestigationStarted(
    investigator_id=INVESTIGATOR, started_at=datetime(2026, 12, 30, 9, tzinfo=UTC)
)
RESPONDED = ComplaintResponded(
    outcome="partly_upheld",
    responded_at=datetime(2027, 1, 20, 15, tzinfo=UTC),
    summary="Night staffing rota changed; apology given",
    late=False,
)
CLOSED = ComplaintClosed(closed_at=datetime(2027, 1, 22, 9, tzinfo=UTC), note=None)
HISTORIES: dict[str, tuple[Event, ...]] = {
    "received": (RECEIVED,),
    "acknowledged": (RECEIVED, ACKNOWLEDGED),
    "investigating": (RECEIVED, ACKNOWLEDGED, INVESTIGATING),
    "responded": (RECEIVED, ACKNOWLEDGED, INVESTIGATING, RESPONDED),
    "closed": (RECEIVED, ACKNOWLEDGED, INVESTIGATING, RESPONDED, CLOSED),
    "escalated": (
        RECEIVED,
        ACKNOWLEDGED,
        INVESTIGATING,
        RESPONDED,
        CLOSED,
        ComplaintEscalated(to="ombudsman", escalated_at=NOW, reference=None),
    ),
}


# receive ---------------------------------------------------------------------------------------


def test_deadlines_skip_christmas_and_the_boxing_day_substitute() -> None:
    # 25 Dec (Fri) and 28 Dec (Boxing Day observed, Mon) are bank holidays; 1 Jan 2027 too.
    (event,) = when([], receive())

    assert isinstance(event, ComplaintReceived)
    assert event.acknowledge_by == date(2026, 12, 31)  # Tue 29, Wed 30, Thu 31
    assert event.respond_by == date(2027, 1, 26)
    assert (event.acknowledge_working_days, event.response_working_days) == (3, 20)
    assert event.reference == "CMP-000042" and event.channel == "letter"


def test_deadlines_come_from_the_tenants_settings() -> None:
    settings = {"complaints.acknowledge_working_days": 2, "complaints.response_working_days": 10}

    (event,) = when([], receive(), context(settings))

    assert isinstance(event, ComplaintReceived)
    assert event.acknowledge_by == date(2026, 12, 30)
    assert event.respond_by == date(2027, 1, 12)
    assert (event.acknowledge_working_days, event.response_working_days) == (2, 10)


@pytest.mark.parametrize("value", [None, "3", 0, -4, True, 2.5])
def test_missing_or_unusable_settings_fall_back_to_the_defaults(value: Any) -> None:
    (event,) = when([], receive(), context({"complaints.acknowledge_working_days": value}))

    assert isinstance(event, ComplaintReceived)
    assert event.acknowledge_working_days == 3 and event.acknowledge_by == date(2026, 12, 31)


def test_working_days_count_from_the_date_in_england_not_in_utc() -> None:
    late_thursday_utc = datetime(2026, 5, 28, 23, 30, tzinfo=UTC)  # already Friday in BST

    (event,) = when([], receive(received_at=late_thursday_utc))

    assert isinstance(event, ComplaintReceived)
    assert event.acknowledge_by == date(2026, 6, 3)  # Mon 1, Tue 2, Wed 3 June


def test_a_complaint_received_on_a_weekend_counts_from_the_next_working_day() -> None:
    saturday = datetime(2027, 1, 9, 12, tzinfo=UTC)

    (event,) = when([], receive(received_at=saturday))

    assert isinstance(event, ComplaintReceived) and event.acknowledge_by == date(2027, 1, 13)


def test_a_complaint_received_in_the_past_is_accepted_and_optional_people_may_be_absent() -> None:
    (event,) = when(
        [],
        receive(received_at=NOW - timedelta(days=400), complainant_id=None, about_person_id=None),
    )

    assert isinstance(event, ComplaintReceived) and event.complainant_id is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"received_at": NOW + timedelta(minutes=1)}, "received_at"),
        ({"summary": "   "}, "summary"),
    ],
)
def test_receive_refuses_bad_values(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidCommand) as refused:
        when([], receive(**changes))
    assert refused.value.field == field


def test_a_complaint_is_received_once() -> None:
    with pytest.raises(InvalidTransition):
        when([RECEIVED], receive())


def test_commands_on_a_complaint_that_does_not_exist_are_refused() -> None:
    with pytest.raises(InvalidTransition):
        when([], AcknowledgeComplaint(acknowledged_at=NOW))


# acknowledge -----------------------------------------------------------------------------------


def test_acknowledging_by_the_deadline_is_on_time() -> None:
    last_day = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)

    assert when([RECEIVED], AcknowledgeComplaint(acknowledged_at=last_day)) == [
        ComplaintAcknowledged(acknowledged_at=last_day, late=False)
    ]


def test_a_late_acknowledgement_is_accepted_and_recorded_as_late() -> None:
    after_new_year = datetime(2027, 1, 4, 9, tzinfo=UTC)

    (event,) = when([RECEIVED], AcknowledgeComplaint(acknowledged_at=after_new_year))

    assert event == ComplaintAcknowledged(acknowledged_at=after_new_year, late=True)
    assert state_after(RECEIVED, event).acknowledged_late is True


@pytest.mark.parametrize(
    ("moment", "message"),
    [(NOW + timedelta(seconds=1), "future"), (CHRISTMAS_EVE - timedelta(hours=1), "before")],
)
def test_acknowledged_at_must_be_between_receipt_and_now(moment: datetime, message: str) -> None:
    with pytest.raises(InvalidCommand) as refused:
        when([RECEIVED], AcknowledgeComplaint(acknowledged_at=moment))
    assert refused.value.field == "acknowledged_at" and message in refused.value.message


@pytest.mark.parametrize("status", ["acknowledged", "investigating", "responded", "closed"])
def test_a_complaint_is_acknowledged_once(status: str) -> None:
    with pytest.raises(InvalidTransition):
        when(HISTORIES[status], AcknowledgeComplaint(acknowledged_at=NOW))


# investigate -----------------------------------------------------------------------------------


def test_investigation_starts_now_unless_told_otherwise() -> None:
    assert when(HISTORIES["acknowledged"], InvestigateComplaint(investigator_id=INVESTIGATOR)) == [
        ComplaintInvestigationStarted(investigator_id=INVESTIGATOR, started_at=NOW)
    ]
    started = datetime(2027, 1, 5, 10, tzinfo=UTC)
    command = InvestigateComplaint(investigator_id=INVESTIGATOR, started_at=started)
    assert when(HISTORIES["acknowledged"], command) == [
        ComplaintInvestigationStarted(investigator_id=INVESTIGATOR, started_at=started)
    ]


def test_an_investigation_can_be_handed_to_another_investigator() -> None:
    other = uuid4()

    (event,) = when(HISTORIES["investigating"], InvestigateComplaint(investigator_id=other))

    assert state_after(*HISTORIES["investigating"], event).investigator_id == other


def test_handing_an_investigation_to_its_own_investigator_is_refused() -> None:
    with pytest.raises(InvalidCommand) as refused:
        when(HISTORIES["investigating"], InvestigateComplaint(investigator_id=INVESTIGATOR))
    assert refused.value.field == "investigator_id"


def test_the_investigator_must_be_able_to_see_the_home() -> None:
    command = InvestigateComplaint(investigator_id=INVESTIGATOR)
    with pytest.raises(InvalidCommand) as refused:
        when(HISTORIES["acknowledged"], command, context(investigator_homes=(OTHER_HOME,)))
    assert refused.value.field == "investigator_id"
    assert when(HISTORIES["acknowledged"], command, context(investigator_homes=(HOME,)))
    assert when(HISTORIES["acknowledged"], command, context(investigator_homes=None))


def test_investigation_start_must_not_be_in_the_future() -> None:
    command = InvestigateComplaint(
        investigator_id=INVESTIGATOR, started_at=NOW + timedelta(hours=1)
    )
    with pytest.raises(InvalidCommand) as refused:
        when(HISTORIES["acknowledged"], command)
    assert refused.value.field == "started_at"


@pytest.mark.parametrize("status", ["received", "responded", "closed", "escalated"])
def test_investigation_needs_an_acknowledged_open_complaint(status: str) -> None:
    with pytest.raises(InvalidTransition):
        when(HISTORIES[status], InvestigateComplaint(investigator_id=INVESTIGATOR))


# respond ---------------------------------------------------------------------------------------


def respond(at: datetime, outcome: Any = "upheld") -> RespondToComplaint:
    return RespondToComplaint(outcome=outcome, responded_at=at, summary="Apology and new rota")


@pytest.mark.parametrize("status", ["acknowledged", "investigating"])
def test_a_response_by_the_deadline_is_on_time(status: str) -> None:
    last_day = datetime(2027, 1, 26, 17, tzinfo=UTC)

    assert when(HISTORIES[status], respond(last_day)) == [
        ComplaintResponded(
            outcome="upheld", responded_at=last_day, summary="Apology and new rota", late=False
        )
    ]


def test_a_response_after_the_deadline_is_recorded_as_late() -> None:
    (event,) = when(HISTORIES["investigating"], respond(datetime(2027, 1, 27, 9, tzinfo=UTC)))

    state = state_after(*HISTORIES["investigating"], event)
    assert state.status == "responded" and state.responded_late is True
    assert state.outcome == "upheld" and state.response_summary == "Apology and new rota"


@pytest.mark.parametrize(
    ("moment", "field"),
    [
        (NOW + timedelta(days=1), "responded_at"),
        (CHRISTMAS_EVE - timedelta(days=1), "responded_at"),
    ],
)
def test_responded_at_must_be_between_receipt_and_now(moment: datetime, field: str) -> None:
    with pytest.raises(InvalidCommand) as refused:
        when(HISTORIES["investigating"], respond(moment))
    assert refused.value.field == field


def test_a_blank_response_summary_is_refused() -> None:
    command = RespondToComplaint(outcome="not_upheld", responded_at=NOW, summary=" ")
    with pytest.raises(InvalidCommand) as refused:
        when(HISTORIES["investigating"], command)
    assert refused.value.field == "summary"


@pytest.mark.parametrize("status", ["received", "responded", "closed", "escalated"])
def test_respond_needs_an_acknowledged_complaint_awaiting_its_response(status: str) -> None:
    with pytest.raises(InvalidTransition):
        when(HISTORIES[status], respond(NOW))
