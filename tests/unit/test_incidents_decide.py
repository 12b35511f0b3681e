"""The incident decider, given / when / then: every command, every refusal, the index and view."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from services.incidents.commands import (
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
from services.incidents.controller import render
from services.incidents.decide import DECIDER
from services.incidents.events import (
    CANDOUR_STEPS,
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
)
from services.kernel.decider import Context
from services.kernel.errors import DomainError, InvalidCommand, InvalidTransition
from services.kernel.events import Event

INCIDENT = UUID("00000000-0000-0000-0000-0000000000a1")
HOME = UUID("00000000-0000-0000-0000-0000000000b1")
PERSON = UUID("00000000-0000-0000-0000-0000000000c1")
INVESTIGATOR = UUID("00000000-0000-0000-0000-0000000000d1")
OCCURRED = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=3)
CONTEXT = Context(actor=uuid4(), now=NOW, facts={"reference": "INC-000001"})


def at(now: datetime, **settings: Any) -> Context:
    return Context(actor=CONTEXT.actor, now=now, settings=settings)


class given:
    """given(events).when(command).then(events) / .raises(error)."""

    def __init__(self, *events: Event) -> None:
        self.state = DECIDER.fold(events)

    def when(self, command: Any, context: Context = CONTEXT) -> _When:
        return _When(self.state, command, context)


class _When:
    def __init__(self, state: Any, command: Any, context: Context) -> None:
        self.state, self.command, self.context = state, command, context

    def then(self, *expected: Event) -> None:
        assert list(DECIDER.decide(self.command, self.state, self.context)) == list(expected)

    def events(self) -> Sequence[Event]:
        return DECIDER.decide(self.command, self.state, self.context)

    def raises(
        self, error: type[DomainError], match: str | None = None, field: str | None = None
    ) -> None:
        with pytest.raises(error, match=match) as caught:
            DECIDER.decide(self.command, self.state, self.context)
        if field is not None:
            assert isinstance(caught.value, InvalidCommand) and caught.value.field == field


def report(**overrides: Any) -> ReportIncident:
    values: dict[str, Any] = {
        "incident_id": INCIDENT,
        "location_id": HOME,
        "category": "fall",
        "severity": "no_harm",
        "occurred_at": OCCURRED,
        "description": "Found on the bedroom floor; no injury seen.",
    }
    return ReportIncident(**(values | overrides))


def reported(**overrides: Any) -> IncidentReported:
    (event,) = given().when(report(**overrides)).events()
    assert isinstance(event, IncidentReported)
    return event


STARTED = IncidentInvestigationStarted(investigator_id=INVESTIGATOR, started_at=NOW)
CLOSED = IncidentClosed(summary="Sensor mat fitted.", closed_at=NOW)
CANDOUR_DONE = tuple(IncidentCandourStepRecorded(step=s, done_at=NOW) for s in CANDOUR_STEPS)


# --- report -----------------------------------------------------------------------------------


def test_report_records_the_facts_and_a_reference():
    event = reported(immediate_actions="  Checked by nurse.  ", people_involved=(PERSON, PERSON))
    assert event.reference == "INC-000001"
    assert event.reported_at == NOW
    assert event.immediate_actions == "Checked by nurse."
    assert event.people_involved == (PERSON,)
    assert event.required_notifications == ()


def test_report_records_what_must_be_notified_under_the_settings_of_the_day():
    event = given().when(report(severity="severe"), at(NOW, **{"incidents.cqc_other_hours": 48}))
    (reported_event,) = event.events()
    assert isinstance(reported_event, IncidentReported)
    cqc, candour = reported_event.required_notifications
    assert (cqc.recipient, cqc.due_at) == ("cqc", NOW + timedelta(hours=48))
    assert "48 hours" in cqc.rule
    assert candour.recipient == "duty_of_candour"


def test_an_incident_may_be_reported_the_moment_it_happens():
    assert reported(occurred_at=NOW).occurred_at == NOW


def test_report_refuses_an_incident_in_the_future():
    given().when(report(occurred_at=NOW + timedelta(seconds=1))).raises(
        InvalidCommand, "future", field="occurred_at"
    )


def test_report_refuses_a_time_without_a_timezone():
    given().when(report(occurred_at=datetime(2026, 6, 1, 8, 0))).raises(
        InvalidCommand, "timezone", field="occurred_at"
    )


def test_report_refuses_a_blank_description():
    given().when(report(description="   ")).raises(InvalidCommand, "blank", field="description")


def test_report_refuses_a_description_too_long():
    given().when(report(description="x" * 5001)).raises(InvalidCommand, "5000", field="description")


def test_report_refuses_a_riddor_kind_unless_reportable():
    given().when(report(riddor_kind="over_7_day")).raises(InvalidCommand, field="riddor_kind")


def test_an_incident_is_reported_once():
    given(reported()).when(report()).raises(InvalidTransition, "already reported")


def test_commands_before_the_report_are_refused():
    given().when(RecordLessons(text="x")).raises(InvalidTransition, "report it first")


# --- notify -----------------------------------------------------------------------------------


def test_notify_records_the_notification():
    command = RecordNotification(
        recipient="cqc", notified_at=NOW, reference=" CQC-1 ", method="portal"
    )
    given(reported(severity="severe")).when(command, at(LATER)).then(
        IncidentNotified(recipient="cqc", notified_at=NOW, reference="CQC-1", method="portal")
    )


def test_notify_refuses_a_time_in_the_future():
    command = RecordNotification(recipient="family", notified_at=LATER)
    given(reported()).when(command).raises(InvalidCommand, "future", field="notified_at")


def test_notify_refuses_a_time_before_the_incident():
    command = RecordNotification(recipient="family", notified_at=OCCURRED - timedelta(minutes=1))
    given(reported()).when(command).raises(
        InvalidCommand, "before the incident", field="notified_at"
    )


def test_notify_sends_the_duty_of_candour_to_its_steps():
    command = RecordNotification(recipient="duty_of_candour", notified_at=NOW)
    given(reported()).when(command).raises(
        InvalidCommand, "duty_of_candour_step", field="recipient"
    )


# --- duty of candour --------------------------------------------------------------------------


def test_a_candour_step_is_recorded():
    given(reported(severity="moderate")).when(
        RecordCandourStep(step="apologised", done_at=NOW)
    ).then(IncidentCandourStepRecorded(step="apologised", done_at=NOW))


def test_a_candour_step_is_recorded_once():
    given(reported(), CANDOUR_DONE[0]).when(RecordCandourStep(step="informed", done_at=NOW)).raises(
        InvalidTransition, "already recorded"
    )


def test_a_candour_step_cannot_be_done_in_the_future():
    command = RecordCandourStep(step="informed", done_at=LATER)
    given(reported()).when(command).raises(InvalidCommand, "future", field="done_at")


# --- investigation ----------------------------------------------------------------------------


def test_investigate_starts_now_unless_told_otherwise():
    given(reported()).when(StartInvestigation(investigator_id=INVESTIGATOR)).then(STARTED)
    earlier = StartInvestigation(investigator_id=INVESTIGATOR, started_at=OCCURRED)
    given(reported()).when(earlier).then(
        IncidentInvestigationStarted(investigator_id=INVESTIGATOR, started_at=OCCURRED)
    )


def test_investigate_refuses_a_start_in_the_future():
    command = StartInvestigation(investigator_id=INVESTIGATOR, started_at=LATER)
    given(reported()).when(command).raises(InvalidCommand, field="started_at")


def test_an_investigation_starts_once():
    command = StartInvestigation(investigator_id=INVESTIGATOR)
    given(reported(), STARTED).when(command).raises(InvalidTransition, "already started")


@pytest.mark.parametrize(
    ("command", "event"),
    [
        (RecordRootCause(text=" Loose rug. "), IncidentRootCauseRecorded(text="Loose rug.")),
        (
            RecordLessons(text="Check rugs weekly."),
            IncidentLessonsRecorded(text="Check rugs weekly."),
        ),
    ],
)
def test_findings_are_recorded_during_the_investigation(command: Any, event: Event):
    given(reported(), STARTED).when(command).then(event)


@pytest.mark.parametrize("command", [RecordRootCause(text="x"), RecordLessons(text="x")])
def test_findings_need_an_investigation(command: Any):
    given(reported()).when(command).raises(InvalidTransition, "start an investigation")


@pytest.mark.parametrize("command", [RecordRootCause(text=" "), RecordLessons(text="")])
def test_findings_must_say_something(command: Any):
    given(reported(), STARTED).when(command).raises(InvalidCommand, field="text")


# --- close and reopen -------------------------------------------------------------------------


def test_close_after_investigation():
    given(reported(), STARTED).when(CloseIncident(summary=" Sensor mat fitted. ")).then(CLOSED)


def test_close_needs_an_investigation():
    given(reported()).when(CloseIncident(summary="done")).raises(
        InvalidTransition, "only after investigation"
    )


def test_close_is_refused_while_notifications_are_outstanding():
    events = (reported(category="safeguarding", severity="moderate"), STARTED)
    command = CloseIncident(summary="done")
    given(*events).when(command).raises(
        InvalidTransition, "outstanding: cqc .*, local_authority_safeguarding .*, duty_of_candour"
    )
    cqc = IncidentNotified(recipient="cqc", notified_at=NOW, reference=None, method=None)
    given(*events, cqc, *CANDOUR_DONE).when(command).raises(
        InvalidTransition, r"outstanding: local_authority_safeguarding \(due 2026-06-02T10:00:00"
    )


def test_close_once_every_notification_is_made():
    la = IncidentNotified(
        recipient="local_authority_safeguarding", notified_at=NOW, reference=None, method=None
    )
    cqc = IncidentNotified(recipient="cqc", notified_at=NOW, reference=None, method=None)
    events = (
        reported(category="safeguarding", severity="moderate"),
        STARTED,
        cqc,
        la,
        *CANDOUR_DONE,
    )
    given(*events).when(CloseIncident(summary="Sensor mat fitted.")).then(CLOSED)


def test_close_refuses_a_blank_summary():
    given(reported(), STARTED).when(CloseIncident(summary="")).raises(
        InvalidCommand, field="summary"
    )


def test_a_closed_incident_is_reopened_with_a_reason():
    given(reported(), STARTED, CLOSED).when(
        ReopenIncident(reason="Family raised a concern."), at(LATER)
    ).then(IncidentReopened(reason="Family raised a concern.", reopened_at=LATER))


def test_only_a_closed_incident_is_reopened():
    given(reported(), STARTED).when(ReopenIncident(reason="why")).raises(
        InvalidTransition, "only a closed"
    )


@pytest.mark.parametrize(
    "command",
    [
        RecordNotification(recipient="family", notified_at=NOW),
        RecordCandourStep(step="informed", done_at=NOW),
        RecordLessons(text="x"),
        CloseIncident(summary="again"),
        AmendIncident(severity="low"),
    ],
)
def test_a_closed_incident_accepts_nothing_but_reopen(command: Any):
    given(reported(), STARTED, CLOSED).when(command).raises(InvalidTransition, "reopen it first")


# --- amend ------------------------------------------------------------------------------------


def test_amend_recomputes_what_must_be_notified():
    first = reported(severity="moderate")
    (amended,) = given(first).when(AmendIncident(severity="severe"), at(LATER)).events()
    assert isinstance(amended, IncidentAmended)
    assert (amended.severity, amended.category, amended.description) == (
        "severe",
        "fall",
        first.description,
    )
    cqc, candour = amended.required_notifications
    assert cqc.due_at == LATER + timedelta(hours=24)  # newly required: from when the home knew
    assert candour.due_at == first.required_notifications[0].due_at  # already required: unchanged
    assert candour.reason.endswith("severe harm")


def test_amend_can_make_an_incident_not_notifiable():
    (amended,) = given(reported(severity="severe")).when(AmendIncident(severity="low")).events()
    assert isinstance(amended, IncidentAmended) and amended.required_notifications == ()


def test_amend_can_mark_an_incident_reportable_under_riddor():
    command = AmendIncident(riddor_reportable=True, riddor_kind="over_7_day")
    (amended,) = given(reported(severity="moderate")).when(command).events()
    assert isinstance(amended, IncidentAmended)
    assert [r.recipient for r in amended.required_notifications] == [
        "hse_riddor",
        "duty_of_candour",
    ]
    assert amended.required_notifications[0].due_at == OCCURRED + timedelta(days=15)


@pytest.mark.parametrize(
    "command", [AmendIncident(), AmendIncident(severity="no_harm", category="fall")]
)
def test_amend_refuses_to_change_nothing(command: AmendIncident):
    given(reported()).when(command).raises(InvalidCommand, "nothing to amend", field="body")


def test_amend_to_not_riddor_reportable_drops_the_riddor_kind():
    first = reported(riddor_reportable=True, riddor_kind="over_7_day")
    (amended,) = given(first).when(AmendIncident(riddor_reportable=False)).events()
    assert isinstance(amended, IncidentAmended)
    assert (amended.riddor_reportable, amended.riddor_kind) == (False, None)
    assert amended.required_notifications == ()


def test_amend_refuses_a_riddor_kind_without_riddor():
    given(reported()).when(AmendIncident(riddor_kind="death")).raises(
        InvalidCommand, field="riddor_kind"
    )


def test_amend_refuses_a_blank_description():
    given(reported()).when(AmendIncident(description=" ")).raises(
        InvalidCommand, field="description"
    )


# --- state, index and view --------------------------------------------------------------------


def lifecycle() -> list[Event]:
    return [
        reported(category="death", severity="death"),
        IncidentNotified(
            recipient="cqc", notified_at=NOW + timedelta(hours=30), reference=None, method=None
        ),
        STARTED,
        IncidentRootCauseRecorded(text="Choking."),
        IncidentLessonsRecorded(text="Review diets."),
    ]


def test_evolve_follows_the_lifecycle():
    state = DECIDER.fold([*lifecycle(), *CANDOUR_DONE, CLOSED])
    assert state is not None
    assert (state.status, state.root_cause, state.lessons, state.closure_summary) == (
        "closed",
        "Choking.",
        "Review diets.",
        "Sensor mat fitted.",
    )
    reopened = DECIDER.evolve(state, IncidentReopened(reason="New evidence", reopened_at=LATER))
    assert (reopened.status, reopened.closed_at, reopened.reopen_reason) == (
        "investigating",
        None,
        "New evidence",
    )


def test_index_lists_what_is_outstanding():
    state = DECIDER.fold(lifecycle())
    assert state is not None
    row = DECIDER.index(state)
    assert (row.location_id, row.status, row.key_date, row.reference) == (
        HOME,
        "investigating",
        OCCURRED,
        "INC-000001",
    )
    assert row.summary == {
        "category": "death",
        "severity": "death",
        "notifiable": True,
        "outstanding_notifications": ["duty_of_candour"],
        "next_due_at": "2026-06-15T10:00:00+00:00",
        "occurred_at": OCCURRED.isoformat(),
    }


def test_render_says_what_was_made_in_time_and_what_is_overdue():
    state = DECIDER.fold(lifecycle())
    assert state is not None
    view = render(state, now=datetime(2026, 6, 16, tzinfo=UTC))
    cqc, candour = view.required_notifications
    assert (cqc.made_at, cqc.made_in_time, cqc.overdue) == (NOW + timedelta(hours=30), False, False)
    assert (candour.made_at, candour.made_in_time, candour.overdue) == (None, None, True)
    assert view.notifiable and view.outstanding_notifications == ["duty_of_candour"]


def test_amended_requirements_replace_the_earlier_ones():
    first = reported(severity="severe")
    amended = IncidentAmended(
        description=first.description,
        category="fall",
        severity="low",
        riddor_reportable=None,
        riddor_kind=None,
        required_notifications=(),
    )
    state = DECIDER.fold([first, amended])
    assert state is not None and state.required == () and state.severity == "low"


def test_required_notifications_round_trip_as_events_record_them():
    import msgspec

    event = reported(severity="death")
    decoded = msgspec.json.decode(msgspec.json.encode(event), type=IncidentReported)
    assert decoded == event
    assert all(isinstance(r, RequiredNotification) for r in decoded.required_notifications)
