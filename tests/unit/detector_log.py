"""Given typed events at homes, the GroupState the detectors see: folded through the real
home_dashboard and detector_facts projections, as the worker would load it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from itertools import count
from typing import Any
from uuid import UUID, uuid4

from eventstore import RecordedEvent
from projections import Document, evolve_documents, with_changes
from projections.detector_facts import DETECTOR_FACTS, empty
from projections.home_dashboard import HOME_DASHBOARD
from services.actions.events import ActionRaised
from services.audits.events import Answer, AuditCompleted, AuditScheduled
from services.audits.template_events import Question
from services.complaints.events import ComplaintReceived
from services.incidents.events import IncidentReported, RequiredNotification
from services.kernel.calendar import add_working_days, local_date
from services.kernel.events import Event, to_new_event
from services.organisations.events import LocationRegistered
from workers.detectors import GroupState, Home
from workers.detectors.model import Question as DetectorQuestion

TENANT, USER = uuid4(), uuid4()
TEMPLATE = uuid4()
MEDS = "safe.medicines_optimisation"
IPC = "safe.infection_prevention_and_control"
Q_MAR = Question(id=uuid4(), text="Are MAR charts complete?", quality_statement=MEDS)
Q_STORE = Question(id=uuid4(), text="Are medicines stored safely?", quality_statement=MEDS)
Q_HANDS = Question(id=uuid4(), text="Are hand-wash stations stocked?", quality_statement=IPC)
QUESTIONS = (Q_MAR, Q_STORE, Q_HANDS)


class Log:
    """Typed events recorded as the store would (seqs in order, versions per stream), folded
    into the two projections the detectors read."""

    def __init__(self) -> None:
        self._seq = count(1)
        self._versions: dict[UUID, int] = {}
        self.events: list[RecordedEvent] = []

    def record(self, stream_id: UUID, event: Event, location: UUID) -> UUID:
        version = self._versions[stream_id] = self._versions.get(stream_id, 0) + 1
        new = to_new_event(event, location)
        self.events.append(
            RecordedEvent(
                tenant_id=TENANT,
                seq=next(self._seq),
                event_id=uuid4(),
                stream_type="test",
                stream_id=stream_id,
                version=version,
                type=new.type,
                schema_version=1,
                data=dict(new.data),
                metadata={},
                subject_id=None,
                location_id=location,
                recorded_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
        )
        return stream_id

    def home(self, name: str) -> UUID:
        home = uuid4()
        self.record(
            home,
            LocationRegistered(
                location_id=home,
                name=name,
                service_type="residential",
                local_authority="E08000025",
                cqc_location_id=None,
                region_id=None,
            ),
            home,
        )
        return home

    def action(self, home: UUID, due: date, owner: UUID = USER) -> UUID:
        action_id = uuid4()
        event = ActionRaised(
            action_id=action_id,
            reference="ACT-000001",
            location_id=home,
            title="t",
            description="d",
            success_measure="s",
            owner_id=owner,
            due_date=due,
            priority="high",
            raised_by=USER,
            raised_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
        return self.record(action_id, event, home)

    def incident(
        self,
        home: UUID,
        occurred_at: datetime,
        category: str = "fall",
        people: tuple[UUID, ...] = (),
        required: tuple[RequiredNotification, ...] = (),
        severity: str = "low",
    ) -> UUID:
        incident_id = uuid4()
        event = IncidentReported(
            incident_id=incident_id,
            reference="INC-000001",
            location_id=home,
            category=category,  # type: ignore[arg-type]
            severity=severity,  # type: ignore[arg-type]
            occurred_at=occurred_at,
            reported_at=occurred_at,
            description="d",
            immediate_actions=None,
            people_involved=people,
            riddor_reportable=None,
            riddor_kind=None,
            required_notifications=required,
        )
        return self.record(incident_id, event, home)

    def complaint(self, home: UUID, received: datetime, ack_days: int = 3) -> UUID:
        complaint_id = uuid4()
        day = received.date()
        event = ComplaintReceived(
            complaint_id=complaint_id,
            reference="CMP-000001",
            location_id=home,
            received_at=received,
            channel="email",
            summary="s",
            acknowledge_working_days=ack_days,
            response_working_days=20,
            acknowledge_by=add_working_days(day, ack_days),
            respond_by=add_working_days(day, 20),
        )
        return self.record(complaint_id, event, home)

    def scheduled(self, home: UUID, due: date) -> UUID:
        audit_id = uuid4()
        event = AuditScheduled(
            audit_id=audit_id,
            location_id=home,
            due_date=due,
            template_id=TEMPLATE,
            template_name="Medication",
            template_version=1,
            framework="cqc-saf-2024",
            questions=QUESTIONS,
            green_at=0.9,
            amber_at=0.75,
        )
        return self.record(audit_id, event, home)

    def audit(self, home: UUID, completed_at: datetime, answers: Mapping[Question, str]) -> UUID:
        """A medication audit scheduled and completed with these answers ("yes" for the rest)."""
        audit_id = self.scheduled(home, completed_at.date())
        given = [
            Answer(question_id=q.id, answer=answers.get(q, "yes"))  # type: ignore[arg-type]
            for q in QUESTIONS
        ]
        event = AuditCompleted(
            template_id=TEMPLATE,
            answers=tuple(given),
            score=None,
            rag=None,
            findings=(),
            completed_at=completed_at,
        )
        return self.record(audit_id, event, home)

    def group(
        self,
        now: datetime,
        settings: Mapping[str, Any] | None = None,
        inactive: frozenset[str] = frozenset(),
    ) -> GroupState:
        dashboards = _fold(HOME_DASHBOARD, self.events)
        facts = _fold(DETECTOR_FACTS, self.events)
        homes = tuple(
            Home(dashboard=doc, facts=facts.get(doc_id) or empty(doc_id))
            for doc_id, doc in sorted(dashboards.items())
        )
        return GroupState(
            homes=homes,
            settings=settings or {},
            now=now,
            today=local_date(now),
            inactive_users=inactive,
            questions={
                str(q.id): DetectorQuestion(statement=q.quality_statement, text=q.text)
                for q in QUESTIONS
            },
        )


def _fold(projection: Any, events: list[RecordedEvent]) -> dict[str, Document]:
    return with_changes({}, evolve_documents(projection, {}, events))


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def days_before(now: datetime, days: float) -> datetime:
    return now - timedelta(days=days)
