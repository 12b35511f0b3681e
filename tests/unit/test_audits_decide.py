"""Audits, given / when / then over the pure decider: scoring, RAG, findings, refusals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4, uuid5

import pytest
from msgspec.structs import replace

from services.audits.commands import (
    CancelAudit,
    CompleteAudit,
    LinkFinding,
    RecordAnswers,
    RequestFindingAction,
    ScheduleAudit,
    StartAudit,
)
from services.audits.decide import DECIDER, finding_id
from services.audits.events import (
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
from services.audits.library import starter_template
from services.audits.scoring import rag, rate
from services.audits.template_decide import TemplateSnapshot
from services.audits.template_events import Question
from services.kernel.decider import Context, Decider
from services.kernel.errors import InvalidCommand, InvalidTransition
from services.kernel.events import Event

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
ACTOR = uuid4()
TEMPLATE_ID = uuid4()
AUDIT_ID = uuid4()
HOME = uuid4()
OTHER_HOME = uuid4()
MEDS = "safe.medicines-optimisation"
IPC = "safe.infection-prevention-control"


@dataclass(frozen=True)
class When:
    decider: Decider[Any]
    history: tuple[Event, ...]
    command: Any
    facts: dict[str, Any]

    def _run(self) -> Sequence[Event]:
        state = self.decider.fold(self.history)
        return self.decider.decide(
            self.command, state, Context(actor=ACTOR, now=NOW, facts=self.facts)
        )

    def then(self, *expected: Event) -> Any:
        events = list(self._run())
        assert events == list(expected)
        return self.decider.fold(events, self.decider.fold(self.history))

    def raises(self, error: type[Exception], field: str | None = None) -> None:
        with pytest.raises(error) as caught:
            self._run()
        if field is not None:
            assert isinstance(caught.value, InvalidCommand)
            assert caught.value.field == field


@dataclass(frozen=True)
class Given:
    decider: Decider[Any]
    history: tuple[Event, ...]

    def when(self, command: Any, **facts: Any) -> When:
        return When(self.decider, self.history, command, facts)


def given_audit(*events: Event) -> Given:
    return Given(DECIDER, events)


# --- audits --------------------------------------------------------------------------------------

Q1 = Question(id=uuid4(), text="Are MAR charts complete?", quality_statement=MEDS)
Q2 = Question(id=uuid4(), text="Are hand-wash stations stocked?", quality_statement=IPC)
TEMPLATE = TemplateSnapshot(
    template_id=TEMPLATE_ID,
    name="Spot check",
    version=1,
    framework="cqc-saf-2024",
    questions=(Q1, Q2),
    green_at=0.9,
    amber_at=0.75,
    retired=False,
)
DUE = date(2026, 3, 31)
SCHEDULED = AuditScheduled(
    audit_id=AUDIT_ID,
    location_id=HOME,
    due_date=DUE,
    template_id=TEMPLATE_ID,
    template_name="Spot check",
    template_version=1,
    framework="cqc-saf-2024",
    questions=(Q1, Q2),
    green_at=0.9,
    amber_at=0.75,
)
STARTED = AuditStarted(started_at=NOW)
YES1 = Answer(question_id=Q1.id, answer="yes")
NO2 = Answer(question_id=Q2.id, answer="no", comment="empty dispenser in lounge")
FINDING2 = Finding(finding_id=uuid5(AUDIT_ID, str(Q2.id)), question_id=Q2.id, quality_statement=IPC)
COMPLETED = AuditCompleted(
    template_id=TEMPLATE_ID,
    answers=(YES1, NO2),
    score=0.5,
    rag="red",
    findings=(FINDING2,),
    completed_at=NOW,
)
SCHEDULE = ScheduleAudit(audit_id=AUDIT_ID, location_id=HOME, template_id=TEMPLATE_ID, due_date=DUE)


def test_schedule_copies_the_template_version():
    state = given_audit().when(SCHEDULE, template=TEMPLATE).then(SCHEDULED)
    index = DECIDER.index(state)
    assert (index.status, index.location_id) == ("scheduled", HOME)
    assert index.key_date == datetime(2026, 3, 31, tzinfo=UTC)
    assert index.summary["template_name"] == "Spot check" and index.summary["score"] is None


def test_schedule_refuses_missing_wrong_or_retired_templates():
    given_audit().when(SCHEDULE).raises(InvalidCommand, "template_id")
    other = replace(TEMPLATE, template_id=uuid4())
    given_audit().when(SCHEDULE, template=other).raises(InvalidCommand, "template_id")
    retired = replace(TEMPLATE, retired=True)
    given_audit().when(SCHEDULE, template=retired).raises(InvalidCommand, "template_id")
    given_audit(SCHEDULED).when(SCHEDULE, template=TEMPLATE).raises(InvalidTransition)


def test_start_once():
    state = given_audit(SCHEDULED).when(StartAudit()).then(STARTED)
    assert state.status == "in_progress" and state.started_at == NOW
    given_audit(SCHEDULED, STARTED).when(StartAudit()).raises(InvalidTransition)
    given_audit().when(StartAudit()).raises(InvalidTransition)


def test_answering_a_scheduled_audit_starts_it_and_partial_answers_are_kept():
    command = RecordAnswers(answers=(NO2,))
    state = given_audit(SCHEDULED).when(command).then(STARTED, AuditAnswersRecorded(answers=(NO2,)))
    assert state.status == "in_progress" and state.answers == (NO2,)


def test_a_later_answer_replaces_the_earlier_one_in_question_order():
    earlier = AuditAnswersRecorded(answers=(NO2,))
    yes2 = Answer(question_id=Q2.id, answer="yes")
    state = (
        given_audit(SCHEDULED, STARTED, earlier)
        .when(RecordAnswers(answers=(yes2, YES1)))
        .then(AuditAnswersRecorded(answers=(yes2, YES1)))
    )
    assert state.answers == (YES1, yes2)


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ((), "answers"),
        ((Answer(question_id=uuid4(), answer="yes"),), "answers[0].question_id"),
        ((YES1, Answer(question_id=Q1.id, answer="no")), "answers[1].question_id"),
    ],
    ids=["none", "unknown-question", "twice"],
)
def test_answer_refusals(answers: tuple[Answer, ...], field: str):
    given_audit(SCHEDULED, STARTED).when(RecordAnswers(answers=answers)).raises(
        InvalidCommand, field
    )


def test_complete_scores_rates_and_turns_no_into_findings():
    state = given_audit(SCHEDULED, STARTED).when(CompleteAudit(answers=(YES1, NO2))).then(COMPLETED)
    assert (state.status, state.score, state.rag, state.completed_at) == (
        "completed",
        0.5,
        "red",
        NOW,
    )
    [finding] = state.findings
    assert finding.finding_id == finding_id(AUDIT_ID, Q2.id) and finding.action_id is None
    assert DECIDER.index(state).summary["findings"] == 1


def test_complete_a_scheduled_audit_with_earlier_answers():
    given_audit(SCHEDULED, AuditAnswersRecorded(answers=(YES1,))).when(
        CompleteAudit(answers=(NO2,))
    ).then(STARTED, COMPLETED)


def test_complete_needs_every_question_answered():
    given_audit(SCHEDULED, STARTED).when(CompleteAudit(answers=(YES1,))).raises(
        InvalidCommand, "answers"
    )
    bad = (YES1, NO2, Answer(question_id=uuid4(), answer="na"))
    given_audit(SCHEDULED, STARTED).when(CompleteAudit(answers=bad)).raises(
        InvalidCommand, "answers[2].question_id"
    )


def test_complete_with_only_na_has_no_score_and_no_rating():
    nas = tuple(Answer(question_id=q.id, answer="na") for q in (Q1, Q2))
    [_, completed] = given_audit(SCHEDULED).when(CompleteAudit(answers=nas))._run()
    assert isinstance(completed, AuditCompleted)
    assert (completed.score, completed.rag, completed.findings) == (None, None, ())


def test_na_is_left_out_of_the_score():
    na1 = Answer(question_id=Q1.id, answer="na")
    [completed] = given_audit(SCHEDULED, STARTED).when(CompleteAudit(answers=(na1, NO2)))._run()
    assert isinstance(completed, AuditCompleted) and (completed.score, completed.rag) == (
        0.0,
        "red",
    )


@pytest.mark.parametrize(
    ("yes", "no", "na", "score", "expected"),
    [
        (10, 0, 3, 1.0, "green"),
        (9, 1, 0, 0.9, "green"),
        (17, 2, 1, 17 / 19, "amber"),
        (3, 1, 5, 0.75, "amber"),
        (74, 26, 0, 0.74, "red"),
        (0, 4, 0, 0.0, "red"),
        (0, 0, 6, None, None),
    ],
)
def test_score_is_yes_over_yes_and_no_with_inclusive_thresholds(yes, no, na, score, expected):
    answers = ["yes"] * yes + ["no"] * no + ["na"] * na
    assert rate(answers, 0.9, 0.75) == (score, expected)


def test_starter_thresholds_are_compared_as_decimals():
    medication = starter_template("medication")  # green at 0.95, amber at 0.85
    assert rate(["yes"] * 19 + ["no"], medication.green_at, medication.amber_at)[1] == "green"
    assert rate(["yes"] * 17 + ["no"] * 3, medication.green_at, medication.amber_at)[1] == "amber"
    assert rag(0.8499, medication.green_at, medication.amber_at) == "red"


def test_completed_or_cancelled_audits_take_no_more_answers():
    cancelled = AuditCancelled(reason="home closed for refurbishment", cancelled_at=NOW)
    for history in ((SCHEDULED, STARTED, COMPLETED), (SCHEDULED, cancelled)):
        given_audit(*history).when(CompleteAudit(answers=(YES1, NO2))).raises(InvalidTransition)
        given_audit(*history).when(RecordAnswers(answers=(YES1,))).raises(InvalidTransition)
        given_audit(*history).when(CancelAudit(reason="again")).raises(InvalidTransition)


def test_link_finding_to_an_action_of_the_same_home():
    action = uuid4()
    link = LinkFinding(finding_id=FINDING2.finding_id, action_id=action)
    state = (
        given_audit(SCHEDULED, STARTED, COMPLETED)
        .when(link, action_location_id=HOME)
        .then(FindingActionLinked(finding_id=FINDING2.finding_id, action_id=action))
    )
    assert (state.findings[0].action_id, state.findings[0].action_origin) == (action, "linked")


def test_link_finding_refusals():
    done = given_audit(SCHEDULED, STARTED, COMPLETED)
    action = uuid4()
    done.when(LinkFinding(finding_id=uuid4(), action_id=action)).raises(
        InvalidCommand, "finding_id"
    )
    link = LinkFinding(finding_id=FINDING2.finding_id, action_id=action)
    done.when(link, action_location_id=OTHER_HOME).raises(InvalidCommand, "action_id")
    linked = FindingActionLinked(finding_id=FINDING2.finding_id, action_id=action)
    given_audit(SCHEDULED, STARTED, COMPLETED, linked).when(link).raises(
        InvalidCommand, "action_id"
    )
    given_audit(SCHEDULED, STARTED).when(link).raises(InvalidTransition)


def test_request_an_action_for_a_finding_once():
    action, owner = uuid4(), uuid4()
    command = RequestFindingAction(
        finding_id=FINDING2.finding_id, action_id=action, owner_id=owner, due_date=DUE
    )
    requested = FindingActionRequested(
        finding_id=FINDING2.finding_id, action_id=action, owner_id=owner, due_date=DUE
    )
    state = given_audit(SCHEDULED, STARTED, COMPLETED).when(command).then(requested)
    assert (state.findings[0].action_id, state.findings[0].action_origin) == (action, "raised")
    given_audit(SCHEDULED, STARTED, COMPLETED, requested).when(command).raises(InvalidTransition)
    other = replace(command, finding_id=uuid4())
    given_audit(SCHEDULED, STARTED, COMPLETED).when(other).raises(InvalidCommand, "finding_id")
    given_audit(SCHEDULED).when(command).raises(InvalidTransition)


def test_cancel_with_a_reason():
    cancelled = AuditCancelled(reason="home closed for refurbishment", cancelled_at=NOW)
    state = (
        given_audit(SCHEDULED)
        .when(CancelAudit(reason="  home closed for refurbishment "))
        .then(cancelled)
    )
    assert (state.status, state.cancellation_reason) == (
        "cancelled",
        "home closed for refurbishment",
    )
    given_audit(SCHEDULED).when(CancelAudit(reason="   ")).raises(InvalidCommand, "reason")


def test_replaying_the_stream_twice_gives_the_same_state():
    history = [
        SCHEDULED,
        STARTED,
        AuditAnswersRecorded(answers=(NO2,)),
        COMPLETED,
        FindingActionLinked(finding_id=FINDING2.finding_id, action_id=uuid4()),
    ]
    assert DECIDER.fold(history) == DECIDER.fold(history)
    assert DECIDER.index(DECIDER.fold(history)) == DECIDER.index(DECIDER.fold(history))  # type: ignore[arg-type]
