"""home_dashboard: given typed events at a home, when the dashboard is read on a day, then figures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from itertools import count
from uuid import UUID, uuid4

from eventstore import RecordedEvent
from projections import Document, evolve_documents, with_changes
from projections.home_dashboard import HOME_DASHBOARD
from services.actions.events import (
    ActionCompleted,
    ActionRaised,
    ActionRedated,
    ActionStarted,
)
from services.audits.events import Answer, AuditCompleted, AuditScheduled
from services.audits.template_events import Question
from services.complaints.events import ComplaintAcknowledged, ComplaintReceived
from services.incidents.events import IncidentNotified, IncidentReported, RequiredNotification
from services.kernel.events import Event, to_new_event
from services.organisations.events import LocationRegistered
from services.views.figures import last_twelve_months
from services.views.group_overview import group_overview
from services.views.home_figures import home_figures

TENANT, HOME, USER = uuid4(), uuid4(), uuid4()
TODAY = date(2026, 6, 15)
NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)


class Log:
    """Typed events recorded as the store would: seqs in order, versions per stream."""

    def __init__(self) -> None:
        self._seq = count(1)
        self._versions: dict[UUID, int] = {}

    def record(
        self, stream_id: UUID, event: Event, location: UUID = HOME, at: datetime = NOW
    ) -> RecordedEvent:
        version = self._versions[stream_id] = self._versions.get(stream_id, 0) + 1
        new = to_new_event(event, location)
        return RecordedEvent(
            tenant_id=TENANT,
            seq=next(self._seq),
            event_id=uuid4(),
            stream_type="test",
            stream_id=stream_id,
            version=version,
            type=new.type,
            schema_version=1,
            data=new.data,
            metadata={},
            subject_id=None,
            location_id=location,
            recorded_at=at,
        )


def fold(events: Sequence[RecordedEvent], documents: dict[str, Document] | None = None) -> dict:
    before = documents or {}
    return with_changes(before, evolve_documents(HOME_DASHBOARD, before, events))


def action(action_id: UUID, due: date, priority: str = "high") -> ActionRaised:
    return ActionRaised(
        action_id=action_id,
        reference="ACT-1",
        location_id=HOME,
        title="t",
        description="d",
        success_measure="s",
        owner_id=USER,
        due_date=due,
        priority=priority,  # type: ignore[arg-type]
        raised_by=USER,
        raised_at=NOW - timedelta(days=60),
    )


def incident(incident_id: UUID, category: str, occurred: datetime, *due: str) -> IncidentReported:
    required = tuple(
        RequiredNotification(
            recipient=r, reason="r", rule="r", due_at=occurred + timedelta(hours=24)
        )  # type: ignore[arg-type]
        for r in due
    )
    return IncidentReported(
        incident_id=incident_id,
        reference=None,
        location_id=HOME,
        category=category,  # type: ignore[arg-type]
        severity="low",
        occurred_at=occurred,
        reported_at=occurred,
        description="d",
        immediate_actions=None,
        people_involved=(),
        riddor_reportable=None,
        riddor_kind=None,
        required_notifications=required,
    )


def home_events(log: Log) -> tuple[list[RecordedEvent], dict[str, UUID]]:
    ids = {name: uuid4() for name in ("late", "fine", "done", "redated", "fall", "old", "death")}
    ids |= {name: uuid4() for name in ("cqc_ok", "complaint", "audit", "template", "q1", "q2")}
    occurred = datetime(2026, 5, 1, 10, tzinfo=UTC)
    q1 = Question(id=ids["q1"], text="q", quality_statement="safe.medicines-optimisation")
    q2 = Question(id=ids["q2"], text="q", quality_statement="well-led.governance-management")
    events = [
        log.record(
            HOME,
            LocationRegistered(
                location_id=HOME, name="Oak", service_type="nursing", local_authority="E1"
            ),
        ),
        log.record(ids["late"], action(ids["late"], date(2026, 6, 1), "urgent")),
        log.record(ids["fine"], action(ids["fine"], date(2026, 7, 1))),
        log.record(ids["done"], action(ids["done"], date(2026, 5, 1))),
        log.record(ids["done"], ActionCompleted(evidence="e", completed_by=USER, completed_at=NOW)),
        log.record(ids["redated"], action(ids["redated"], date(2026, 5, 1), "low")),
        log.record(ids["redated"], ActionStarted(started_by=USER, started_at=NOW)),
        log.record(
            ids["redated"],
            ActionRedated(
                due_date=date(2026, 8, 1),
                previous_due_date=date(2026, 5, 1),
                reason="r",
                redated_by=USER,
                redated_at=NOW,
            ),
        ),
        log.record(ids["fall"], incident(ids["fall"], "fall", occurred)),
        log.record(ids["old"], incident(ids["old"], "fall", datetime(2025, 5, 1, tzinfo=UTC))),
        log.record(
            ids["death"], incident(ids["death"], "death", occurred, "cqc", "duty_of_candour")
        ),
        log.record(ids["cqc_ok"], incident(ids["cqc_ok"], "safeguarding", occurred, "cqc")),
        log.record(
            ids["cqc_ok"],
            IncidentNotified(
                recipient="cqc",
                notified_at=occurred + timedelta(hours=2),
                reference=None,
                method=None,
            ),
        ),
        log.record(
            ids["complaint"],
            ComplaintReceived(
                complaint_id=ids["complaint"],
                reference="CMP-1",
                location_id=HOME,
                received_at=datetime(2026, 6, 1, 9, tzinfo=UTC),
                channel="email",
                summary="s",
                acknowledge_working_days=3,
                response_working_days=20,
                acknowledge_by=date(2026, 6, 4),
                respond_by=date(2026, 6, 29),
            ),
        ),
        log.record(
            ids["complaint"],
            ComplaintAcknowledged(acknowledged_at=datetime(2026, 6, 2, tzinfo=UTC), late=False),
        ),
        log.record(
            ids["audit"],
            AuditScheduled(
                audit_id=ids["audit"],
                location_id=HOME,
                due_date=date(2026, 6, 1),
                template_id=ids["template"],
                template_name="Medication",
                template_version=1,
                framework="cqc-saf-2024",
                questions=(q1, q2),
                green_at=0.9,
                amber_at=0.75,
            ),
        ),
        log.record(
            ids["audit"],
            AuditCompleted(
                template_id=ids["template"],
                answers=(
                    Answer(question_id=ids["q1"], answer="yes"),
                    Answer(question_id=ids["q2"], answer="no"),
                ),
                score=0.5,
                rag="red",
                findings=(),
                completed_at=NOW,
            ),
        ),
    ]
    return events, ids


def test_given_a_homes_events_when_read_on_a_day_then_each_figure_names_its_records() -> None:
    events, ids = home_events(Log())

    figures = home_figures(fold(events)[str(HOME)], TODAY, NOW)

    assert figures["name"] == "Oak"
    actions = figures["actions"]
    assert actions["open"]["ids"] == sorted(str(ids[n]) for n in ("late", "fine", "redated"))
    assert actions["overdue"]["ids"] == [str(ids["late"])]
    assert actions["overdue_by_priority"]["urgent"]["count"] == 1
    assert actions["open_by_priority"]["low"]["ids"] == [str(ids["redated"])]
    assert f"/api/v1/actions?location_id={HOME}&status=open" in actions["open"]["urls"]
    incidents = figures["incidents"]
    assert incidents["months"] == last_twelve_months(TODAY)
    assert incidents["by_category"]["fall"]["total"]["ids"] == [str(ids["fall"])]
    assert incidents["by_category"]["fall"]["by_month"]["2026-05"]["count"] == 1
    notifiable = figures["notifiable_incidents"]
    assert notifiable["not_notified"]["ids"] == [str(ids["death"])]
    assert notifiable["overdue"]["ids"] == [str(ids["death"])]
    by_id = {i["incident_id"]: i for i in notifiable["incidents"]}
    assert by_id[str(ids["cqc_ok"])]["notified_in_time"] is True
    assert by_id[str(ids["death"])]["notified_in_time"] is False
    complaints = figures["complaints"]
    assert complaints["open"]["ids"] == [str(ids["complaint"])]
    assert complaints["complaints"][0]["age_working_days"] == 10
    assert complaints["overdue"]["count"] == 0
    audits = figures["audits"]
    assert audits["red"]["ids"] == [str(ids["audit"])]
    assert audits["latest_by_template"][0]["score"] == 0.5
    compliance = figures["compliance"]
    assert compliance["quality_statements"]["safe.medicines-optimisation"]["rag"] == "green"
    assert compliance["key_questions"]["well-led"]["compliance"] == 0.0
    assert figures["alerts"] == {"open": 0, "available": False}


def test_when_days_pass_then_deadlines_fall_due_without_new_events() -> None:
    events, ids = home_events(Log())
    doc = fold(events)[str(HOME)]

    later = home_figures(doc, date(2026, 7, 2), NOW + timedelta(days=17))

    assert str(ids["fine"]) in later["actions"]["overdue"]["ids"]
    assert later["complaints"]["response_overdue"]["ids"] == [str(ids["complaint"])]


def test_the_same_events_applied_twice_change_nothing() -> None:
    events, _ids = home_events(Log())
    once = fold(events)

    assert evolve_documents(HOME_DASHBOARD, once, events) == {}
    assert fold(events, once) == once
    assert fold(events + events) == once


def test_events_of_other_homes_stay_in_their_own_documents() -> None:
    log = Log()
    other = uuid4()
    events, _ids = home_events(log)
    theirs = log.record(uuid4(), action(uuid4(), date(2026, 1, 1)), location=other)

    documents = fold([*events, theirs])

    assert len(documents[str(HOME)]["actions"]) == 4
    assert len(documents[str(other)]["actions"]) == 1


def test_the_overview_ranks_homes_by_overdue_work_and_maps_key_questions() -> None:
    events, _ids = home_events(Log())
    busy = home_figures(fold(events)[str(HOME)], TODAY, NOW)
    quiet = home_figures(
        {
            "location_id": "q",
            "name": "Quiet",
            "registered": True,
            "closed": False,
            "actions": {},
            "incidents": {},
            "complaints": {},
            "audits": {},
            "last_seq": 0,
        },
        TODAY,
        NOW,
    )

    overview = group_overview([quiet, busy], statements=True)

    assert [h["name"] for h in overview["ranking"]["homes"]] == ["Oak", "Quiet"]
    assert overview["ranking"]["homes"][0]["score"] == 3  # 1 overdue action, 1 notification, 1 red
    rows = {r["name"]: r for r in overview["heat_map"]["key_questions"]["rows"]}
    assert rows["Oak"]["cells"]["safe"]["rag"] == "green"
    assert rows["Quiet"]["cells"]["safe"]["rag"] is None
    assert "safe.medicines-optimisation" in overview["heat_map"]["quality_statements"]["columns"]
    assert date.fromisoformat(busy["as_of"]) == TODAY


def test_the_overview_shows_of_a_home_exactly_its_dashboards_key_figures() -> None:
    from projections.home_dashboard_summary import summarize
    from services.views.group_overview import key_figures, overview_figures

    events, _ids = home_events(Log())
    doc = fold(events)[str(HOME)]

    full, lean = home_figures(doc, TODAY, NOW), overview_figures(summarize(doc), TODAY, NOW)

    assert key_figures(lean) == key_figures(full)
    assert key_figures(lean)["incidents_last_12_months"]["count"] == 3  # not the 2025 fall
    assert lean["compliance"] == full["compliance"]
    assert group_overview([lean]) == group_overview([full])
