"""Audit templates, given / when / then over the pure decider: versions, library, refusals."""

from __future__ import annotations

from typing import Any
from uuid import uuid4, uuid5

import pytest
from msgspec.structs import replace

from services.audits.library import starter_template
from services.audits.template_decide import (
    TEMPLATE_DECIDER,
    CreateAuditTemplate,
    QuestionSpec,
    RetireAuditTemplate,
    ReviseAuditTemplate,
    snapshot,
)
from services.audits.template_events import (
    AuditTemplateCreated,
    AuditTemplateRetired,
    AuditTemplateRevised,
    Question,
)
from services.kernel.errors import InvalidCommand, InvalidTransition
from services.kernel.events import Event
from tests.unit.test_audits_decide import IPC, MEDS, Given

TEMPLATE_ID = uuid4()


def given_template(*events: Event) -> Given:
    return Given(TEMPLATE_DECIDER, events)


SPECS = (
    QuestionSpec(text="Are MAR charts complete?", quality_statement=MEDS),
    QuestionSpec(text="Are hand-wash stations stocked?", quality_statement=IPC),
)
Q1 = Question(id=uuid5(TEMPLATE_ID, "0"), text="Are MAR charts complete?", quality_statement=MEDS)
Q2 = Question(
    id=uuid5(TEMPLATE_ID, "1"), text="Are hand-wash stations stocked?", quality_statement=IPC
)
CREATED = AuditTemplateCreated(
    template_id=TEMPLATE_ID,
    name="Spot check",
    framework="cqc-saf-2024",
    questions=(Q1, Q2),
    green_at=0.9,
    amber_at=0.75,
)


def create(**overrides: Any) -> CreateAuditTemplate:
    fields: dict[str, Any] = {"template_id": TEMPLATE_ID, "name": "Spot check", "questions": SPECS}
    return CreateAuditTemplate(**{**fields, **overrides})


def test_create_gives_questions_stable_ids_and_default_thresholds():
    state = given_template().when(create()).then(CREATED)
    assert state.status == "active" and state.current.version == 1
    assert TEMPLATE_DECIDER.index(state).summary["questions"] == 2


def test_create_with_thresholds():
    expected = replace(CREATED, green_at=0.95, amber_at=0.8)
    given_template().when(create(green_at=0.95, amber_at=0.8)).then(expected)


@pytest.mark.parametrize(
    ("command", "field"),
    [
        (create(name=None), "name"),
        (create(questions=()), "questions"),
        (
            create(
                questions=(SPECS[0], QuestionSpec(text="?", quality_statement="safe.teleportation"))
            ),
            "questions[1].quality_statement",
        ),
        (create(green_at=0.7, amber_at=0.8), "amber_at"),
        (create(green_at=1.2), "green_at"),
        (create(amber_at=0.95), "amber_at"),
        (create(from_library="teleportation", questions=()), "from_library"),
        (create(from_library="medication"), "questions"),
        (create(name="   "), "name"),
        (create(questions=(QuestionSpec(text=" ", quality_statement=MEDS),)), "questions[0].text"),
        (create(from_library="ipc", questions=(), name=" "), "name"),
    ],
    ids=[
        "no-name",
        "no-questions",
        "unknown-statement",
        "inverted",
        "green>1",
        "amber>=default-green",
        "unknown-starter",
        "library-and-questions",
        "blank-name",
        "blank-question",
        "blank-library-name",
    ],
)
def test_create_refusals(command: CreateAuditTemplate, field: str):
    given_template().when(command).raises(InvalidCommand, field)


def test_create_from_library_copies_the_starter_template():
    starter = starter_template("medication")
    command = CreateAuditTemplate(template_id=TEMPLATE_ID, from_library="medication")
    [event] = given_template().when(command)._run()
    assert isinstance(event, AuditTemplateCreated)
    assert (event.name, event.library_key, event.framework) == (
        starter.name,
        "medication",
        starter.framework,
    )
    assert (event.green_at, event.amber_at) == (starter.green_at, starter.amber_at)
    assert [q.text for q in event.questions] == [q.text for q in starter.questions]
    assert [q.library_key for q in event.questions] == [q.key for q in starter.questions]
    assert [q.id for q in event.questions] == [
        uuid5(TEMPLATE_ID, str(i)) for i in range(len(starter.questions))
    ]


def test_create_from_library_with_own_name_and_thresholds():
    command = CreateAuditTemplate(
        template_id=TEMPLATE_ID, from_library="ipc", name="IPC (north)", green_at=0.8, amber_at=0.6
    )
    [event] = given_template().when(command)._run()
    assert isinstance(event, AuditTemplateCreated)
    assert (event.name, event.green_at, event.amber_at) == ("IPC (north)", 0.8, 0.6)


def test_create_twice_is_refused():
    given_template(CREATED).when(create()).raises(InvalidTransition)


def test_revise_keeps_named_questions_and_numbers_new_ones_by_version():
    revise = ReviseAuditTemplate(
        questions=(
            QuestionSpec(
                id=Q2.id, text="Are hand-wash stations stocked and working?", quality_statement=IPC
            ),
            QuestionSpec(text="Are sharps bins below the fill line?", quality_statement=IPC),
        )
    )
    new = Question(
        id=uuid5(TEMPLATE_ID, "2.1"),
        text="Are sharps bins below the fill line?",
        quality_statement=IPC,
    )
    kept = replace(Q2, text="Are hand-wash stations stocked and working?")
    state = (
        given_template(CREATED)
        .when(revise)
        .then(
            AuditTemplateRevised(
                template_id=TEMPLATE_ID,
                template_version=2,
                name="Spot check",
                questions=(kept, new),
                green_at=0.9,
                amber_at=0.75,
            )
        )
    )
    assert [v.version for v in state.versions] == [1, 2]
    assert state.versions[0].questions == (Q1, Q2)  # the earlier version keeps its questions
    assert snapshot(state).version == 2 and snapshot(state).questions == (kept, new)


def test_revise_changes_name_and_thresholds():
    revise = ReviseAuditTemplate(questions=SPECS[:1], name="Medicines", green_at=0.8, amber_at=0.5)
    [event] = given_template(CREATED).when(revise)._run()
    assert isinstance(event, AuditTemplateRevised)
    assert (event.name, event.green_at, event.amber_at, event.template_version) == (
        "Medicines",
        0.8,
        0.5,
        2,
    )


@pytest.mark.parametrize(
    ("questions", "field"),
    [
        ((QuestionSpec(id=uuid4(), text="?", quality_statement=MEDS),), "questions[0].id"),
        (
            (
                QuestionSpec(id=Q1.id, text="a?", quality_statement=MEDS),
                QuestionSpec(id=Q1.id, text="b?", quality_statement=MEDS),
            ),
            "questions[1].id",
        ),
        (
            (QuestionSpec(text="?", quality_statement="caring.nope"),),
            "questions[0].quality_statement",
        ),
        ((), "questions"),
    ],
    ids=["unknown-id", "id-twice", "unknown-statement", "none"],
)
def test_revise_refusals(questions: tuple[QuestionSpec, ...], field: str):
    given_template(CREATED).when(ReviseAuditTemplate(questions=questions)).raises(
        InvalidCommand, field
    )


def test_revise_refuses_thresholds_that_cross_the_current_ones():
    revise = ReviseAuditTemplate(questions=SPECS, amber_at=0.9)
    given_template(CREATED).when(revise).raises(InvalidCommand, "amber_at")


def test_retire_then_nothing_more():
    retired = AuditTemplateRetired(template_id=TEMPLATE_ID)
    state = given_template(CREATED).when(RetireAuditTemplate()).then(retired)
    assert state.status == "retired" and snapshot(state).retired
    given_template(CREATED, retired).when(RetireAuditTemplate()).raises(InvalidTransition)
    given_template(CREATED, retired).when(ReviseAuditTemplate(questions=SPECS)).raises(
        InvalidTransition
    )


def test_commands_on_a_missing_template_are_refused():
    given_template().when(RetireAuditTemplate()).raises(InvalidTransition)
