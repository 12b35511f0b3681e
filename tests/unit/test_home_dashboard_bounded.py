"""home_dashboard keeps what can still show, whatever the length of the history; a record it let
go of that comes back is filled in from home_records. Given events, when folded, then documents."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import UUID, uuid4

from eventstore import RecordedEvent
from projections import Document, evolve_documents, with_changes
from projections.home_dashboard import (
    AUDITS_KEPT_PER_TEMPLATE,
    CLOSED_KEPT_DAYS,
    HOME_DASHBOARD,
    INCIDENTS_KEPT_DAYS,
)
from projections.home_dashboard_reading import fill_revived, revived_ids
from projections.home_dashboard_records import HOME_RECORDS
from projections.projection import Projection
from services.actions.events import ActionCompleted, ActionReopened
from services.audits.events import AuditCancelled, AuditCompleted, AuditScheduled
from services.audits.template_events import Question
from services.incidents.events import IncidentAmended, IncidentNotified, RequiredNotification
from services.views.home_figures import home_figures
from tests.unit.test_home_dashboard import HOME, NOW, USER, Log, action, incident

START = NOW - timedelta(days=800)


def fold(projection: Projection, events: list[RecordedEvent]) -> dict[str, Document]:
    return with_changes({}, evolve_documents(projection, {}, events))


def completed(at: datetime) -> ActionCompleted:
    return ActionCompleted(evidence="e", completed_by=USER, completed_at=at)


def test_a_closed_action_stays_for_the_kept_days_then_is_let_go_of() -> None:
    log, old, recent = Log(), uuid4(), uuid4()
    closed_at = START + timedelta(days=1)
    events = [
        log.record(old, action(old, date(2024, 1, 1)), at=START),
        log.record(old, completed(closed_at), at=closed_at),
        log.record(recent, action(recent, date(2026, 1, 1)), at=closed_at),
    ]
    soon = closed_at + timedelta(days=CLOSED_KEPT_DAYS - 1)
    later = closed_at + timedelta(days=CLOSED_KEPT_DAYS + 1)

    kept = fold(HOME_DASHBOARD, [*events, log.record(recent, completed(soon), at=soon)])
    gone = fold(HOME_DASHBOARD, [*events, log.record(recent, completed(later), at=later)])

    assert set(kept[str(HOME)]["actions"]) == {str(old), str(recent)}
    assert set(gone[str(HOME)]["actions"]) == {str(recent)}


def test_a_reopened_action_let_go_of_is_filled_in_from_its_record() -> None:
    log, rid = Log(), uuid4()
    closed_at = START + timedelta(days=1)
    reopened_at = closed_at + timedelta(days=CLOSED_KEPT_DAYS + 30)
    events = [
        log.record(rid, action(rid, date(2024, 1, 1), "urgent"), at=START),
        log.record(rid, completed(closed_at), at=closed_at),
        log.record(uuid4(), action(uuid4(), date(2026, 1, 1)), at=reopened_at),  # prunes
        log.record(
            rid,
            ActionReopened(reason="r", reopened_by=USER, reopened_at=reopened_at),
            at=reopened_at,
        ),
    ]

    homes = fold(HOME_DASHBOARD, events)
    records = fold(HOME_RECORDS, events)

    assert homes[str(HOME)]["actions"][str(rid)] == {"revived": True}
    assert revived_ids(homes) == [str(rid)]
    filled = fill_revived(homes[str(HOME)], records)
    assert filled["actions"][str(rid)]["status"] == "open"
    assert filled["actions"][str(rid)]["priority"] == "urgent"
    figures = home_figures(filled, NOW.date(), NOW)
    assert str(rid) in figures["actions"]["overdue"]["ids"]
    # Without its record (an external viewer cannot read home_records) it is left out.
    assert str(rid) not in fill_revived(homes[str(HOME)], {})["actions"]


def test_old_incidents_go_once_notified_and_stay_while_a_notification_is_owed() -> None:
    log, done, owed = Log(), uuid4(), uuid4()
    events = [
        log.record(done, incident(done, "fall", START, "cqc"), at=START),
        log.record(
            done,
            IncidentNotified(recipient="cqc", notified_at=START, reference=None, method=None),
            at=START,
        ),
        log.record(owed, incident(owed, "death", START, "cqc"), at=START),
    ]
    later = START + timedelta(days=INCIDENTS_KEPT_DAYS + 1)
    events.append(log.record(uuid4(), action(uuid4(), date(2026, 1, 1)), at=later))

    incidents = fold(HOME_DASHBOARD, events)[str(HOME)]["incidents"]

    assert set(incidents) == {str(owed)}


def test_an_old_incident_amended_comes_back_with_its_new_requirements() -> None:
    log, rid = Log(), uuid4()
    later = START + timedelta(days=INCIDENTS_KEPT_DAYS + 1)
    required = RequiredNotification(
        recipient="cqc", reason="r", rule="r", due_at=later + timedelta(hours=24)
    )
    events = [
        log.record(rid, incident(rid, "fall", START), at=START),
        log.record(uuid4(), action(uuid4(), date(2026, 1, 1)), at=later),
        log.record(
            rid,
            IncidentAmended(
                description="d",
                category="safeguarding",
                severity="low",
                riddor_reportable=None,
                riddor_kind=None,
                required_notifications=(required,),
            ),
            at=later,
        ),
    ]

    filled = fill_revived(fold(HOME_DASHBOARD, events)[str(HOME)], fold(HOME_RECORDS, events))

    assert filled["incidents"][str(rid)]["category"] == "safeguarding"
    assert filled["incidents"][str(rid)]["required"][0]["recipient"] == "cqc"


def test_audits_keep_the_pending_and_the_latest_completed_of_each_template() -> None:
    log, template = Log(), uuid4()
    question = Question(id=uuid4(), text="q", quality_statement="safe.safe-systems")
    events, ids = [], []
    for n in range(15):
        rid = uuid4()
        ids.append(rid)
        at = START + timedelta(days=30 * n)
        events.append(
            log.record(
                rid,
                AuditScheduled(
                    audit_id=rid,
                    location_id=HOME,
                    due_date=at.date(),
                    template_id=template,
                    template_name="Safety",
                    template_version=1,
                    framework="cqc-saf-2024",
                    questions=(question,),
                    green_at=0.9,
                    amber_at=0.75,
                ),
                at=at,
            )
        )
        if n < 13:
            events.append(
                log.record(
                    rid,
                    AuditCompleted(
                        template_id=template,
                        answers=(),
                        score=None,
                        rag=None,
                        findings=(),
                        completed_at=at,
                    ),
                    at=at,
                )
            )
    events.append(log.record(ids[14], AuditCancelled(reason="r", cancelled_at=NOW), at=NOW))

    audits = fold(HOME_DASHBOARD, events)[str(HOME)]["audits"]

    # the last completed on day 360: those of the 120 days before it (days 240 to 360), and the
    # one still scheduled; the cancelled one goes
    assert set(audits) == {str(i) for i in ids[8:14]}
    assert audits[str(ids[13])]["status"] == "scheduled"


def test_a_template_audited_rarely_keeps_its_last_few_however_old() -> None:
    log, template = Log(), uuid4()
    question = Question(id=uuid4(), text="q", quality_statement="safe.safe-systems")
    ids = [uuid4() for _ in range(5)]
    events = []
    for n, rid in enumerate(ids):
        at = START + timedelta(days=365 * n)
        events += [
            log.record(
                rid,
                AuditScheduled(
                    audit_id=rid,
                    location_id=HOME,
                    due_date=at.date(),
                    template_id=template,
                    template_name="Safety",
                    template_version=1,
                    framework="cqc-saf-2024",
                    questions=(question,),
                    green_at=0.9,
                    amber_at=0.75,
                ),
                at=at,
            ),
            log.record(
                rid,
                AuditCompleted(
                    template_id=template,
                    answers=(),
                    score=None,
                    rag=None,
                    findings=(),
                    completed_at=at,
                ),
                at=at,
            ),
        ]

    audits = fold(HOME_DASHBOARD, events)[str(HOME)]["audits"]

    assert set(audits) == {str(i) for i in ids[-AUDITS_KEPT_PER_TEMPLATE:]}


def test_both_projections_replayed_change_nothing() -> None:
    log, rid = Log(), uuid4()
    events = [
        log.record(rid, action(rid, date(2024, 1, 1)), at=START),
        log.record(rid, completed(START), at=START),
        log.record(rid, ActionReopened(reason="r", reopened_by=USER, reopened_at=NOW), at=NOW),
    ]
    for projection in (HOME_DASHBOARD, HOME_RECORDS):
        once = fold(projection, events)
        assert evolve_documents(projection, once, events) == {}
        assert with_changes({}, evolve_documents(projection, {}, events + events)) == once


def test_documents_stay_the_same_size_as_the_history_grows() -> None:
    """A steady home: an action raised and closed every day. Ten times the history, the same
    document (within the few records of the last kept days)."""

    def steady(days: int) -> int:
        log = Log()
        events = []
        for day in range(days):
            rid: UUID = uuid4()
            at = START + timedelta(days=day)
            events.append(log.record(rid, action(rid, at.date()), at=at))
            events.append(log.record(rid, completed(at), at=at + timedelta(hours=1)))
        return len(fold(HOME_DASHBOARD, events)[str(HOME)]["actions"])

    assert steady(200) == steady(2000) == CLOSED_KEPT_DAYS + 1
