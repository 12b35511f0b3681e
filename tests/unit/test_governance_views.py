"""The pure cores of the governance views: evidence by statement, timeline entries, plan order."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

from eventstore import RecordedEvent
from services.frameworks.evidence import evidence_for
from services.views.action_plan import PlannedAction, in_plan_order
from services.views.timeline import business_time, timeline_entry

HOME = uuid4()
MEDICINES, STAFFING = "safe.medicines-optimisation", "safe.safe-effective-staffing"
MAR, TRAINING = uuid4(), uuid4()


def recorded(stream_type: str, stream_id: UUID, seq: int, type_: str, **data: Any) -> RecordedEvent:
    return RecordedEvent(
        tenant_id=uuid4(),
        seq=seq,
        event_id=uuid4(),
        stream_type=stream_type,
        stream_id=stream_id,
        version=seq,
        type=type_,
        schema_version=1,
        data=data,
        metadata={"actor": "user-1"},
        subject_id=None,
        location_id=HOME,
        recorded_at=datetime(2026, 5, 1, tzinfo=UTC),
    )


def medication_audit(audit: UUID) -> list[RecordedEvent]:
    questions = [
        {"id": str(MAR), "text": "MAR charts complete?", "quality_statement": MEDICINES},
        {"id": str(TRAINING), "text": "Staff trained?", "quality_statement": STAFFING},
    ]
    answers = [
        {"question_id": str(MAR), "answer": "no"},
        {"question_id": str(TRAINING), "answer": "yes"},
    ]
    findings = [
        {"finding_id": str(uuid4()), "question_id": str(MAR), "quality_statement": MEDICINES}
    ]
    return [
        recorded(
            "audit", audit, 1, "AuditScheduled", template_name="Medication", questions=questions
        ),
        recorded(
            "audit",
            audit,
            2,
            "AuditCompleted",
            answers=answers,
            findings=findings,
            score=0.5,
            rag="red",
            completed_at="2026-04-30T10:00:00+00:00",
        ),
    ]


def test_a_failed_medication_audit_is_process_evidence_with_its_failed_question() -> None:
    audit, action = uuid4(), uuid4()
    given = [
        *medication_audit(audit),
        recorded(
            "action",
            action,
            3,
            "ActionRaised",
            title="Fix MARs",
            reference="ACT-000001",
            quality_statements=[MEDICINES],
        ),
    ]

    found = evidence_for(given, MEDICINES)

    (item,) = found["processes"]
    assert (item.id, item.status, item.questions, item.answered) == (audit, "completed", 1, 1)
    assert item.failed_question_ids == [MAR] and item.link == f"/api/v1/audits/{audit}"
    assert [a.id for a in found["outcomes"]] == [action]


def test_records_mapped_to_another_statement_are_not_evidence() -> None:
    found = evidence_for(medication_audit(uuid4()), "caring.kindness-compassion-dignity")

    assert found == {"processes": [], "outcomes": []}


def test_the_same_events_applied_twice_change_nothing() -> None:
    events = medication_audit(uuid4())

    assert evidence_for(events + events, MEDICINES) == evidence_for(events, MEDICINES)


def test_a_timeline_entry_names_the_record_and_no_personal_field() -> None:
    action = uuid4()
    event = recorded(
        "action",
        action,
        7,
        "ActionCompleted",
        evidence="signed",
        completed_at="2026-04-01T09:00:00Z",
    )

    entry = timeline_entry(event, lambda stream_type: f"{stream_type}s")

    assert (entry.seq, entry.collection, entry.record_id, entry.actor) == (
        7,
        "actions",
        action,
        "user-1",
    )
    assert (
        entry.link == f"/api/v1/actions/{action}" and entry.business_time == "2026-04-01T09:00:00Z"
    )
    assert not hasattr(entry, "data")


def test_business_time_prefers_when_it_happened_and_is_none_without_one() -> None:
    assert business_time({"reported_at": "b", "occurred_at": "a"}) == "a"
    assert business_time({"noted_at": "n"}) == "n"
    assert business_time({"text": "no time"}) is None


def test_the_plan_is_ordered_by_due_date_then_reference() -> None:
    def action(reference: str, due: date) -> PlannedAction:
        return PlannedAction(
            id=uuid4(),
            reference=reference,
            location_id=HOME,
            title="t",
            owner_id=uuid4(),
            due_date=due,
            status="open",
            priority="high",
            version=1,
            link="",
        )

    late, early_b, early_a = (
        action("ACT-3", date(2026, 6, 1)),
        action("ACT-2", date(2026, 5, 1)),
        action("ACT-1", date(2026, 5, 1)),
    )

    assert in_plan_order([late, early_b, early_a]) == [early_a, early_b, late]
