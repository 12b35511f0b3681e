"""Deadline detectors: given events at homes, when the detector runs at a moment, then findings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

from services.incidents.events import RequiredNotification
from tests.unit.detector_log import USER, Log, at
from workers.detectors import detect
from workers.detectors.deadlines import (
    complaint_deadlines,
    overdue_actions,
    overdue_audits,
    statutory_deadlines,
)

NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)


def test_an_action_is_overdue_the_day_after_its_due_date_not_on_it() -> None:
    log = Log()
    home = log.home("Oak House")
    action = log.action(home, due=date(2026, 6, 14))
    on_time = log.action(home, due=date(2026, 6, 15))
    found = overdue_actions(log.group(NOW))
    assert [(f.kind, f.key, f.records) for f in found] == [
        ("overdue_action", str(action), (("actions", str(action)),))
    ]
    assert str(on_time) not in {f.key for f in found}
    assert found[0].location_id == str(home) and found[0].severity == "medium"


def test_an_action_whose_owner_was_deactivated_has_no_owner() -> None:
    log = Log()
    home = log.home("Oak House")
    gone = log.action(home, due=date(2026, 7, 1))
    kept = log.action(home, due=date(2026, 7, 1), owner=uuid4())
    found = overdue_actions(log.group(NOW, inactive=frozenset({str(USER)})))
    assert [f.key for f in found] == [str(gone)]
    assert "no active owner" in found[0].title
    assert str(kept) not in {f.key for f in found}


def test_a_death_not_notified_to_cqc_within_24_hours_is_a_statutory_deadline_alert() -> None:
    log = Log()
    home = log.home("Oak House")
    reported = NOW - timedelta(hours=25)
    required = (
        RequiredNotification(
            recipient="cqc", reason="reg 16", rule="24h", due_at=reported + timedelta(hours=24)
        ),
    )
    death = log.incident(home, reported, category="death", required=required, severity="death")
    not_yet = log.incident(
        home,
        NOW - timedelta(hours=23),
        category="death",
        severity="death",
        required=(
            RequiredNotification(
                recipient="cqc", reason="reg 16", rule="24h", due_at=NOW + timedelta(hours=1)
            ),
        ),
    )
    found = statutory_deadlines(log.group(NOW))
    assert [(f.kind, f.key) for f in found] == [("statutory_deadline", str(death))]
    assert found[0].severity == "high" and "CQC" in found[0].title
    assert str(not_yet) not in {f.key for f in found}


def test_a_notification_made_clears_the_statutory_condition() -> None:
    from services.incidents.events import IncidentNotified

    log = Log()
    home = log.home("Oak House")
    due = NOW - timedelta(hours=1)
    required = (RequiredNotification(recipient="cqc", reason="r", rule="r", due_at=due),)
    incident = log.incident(home, NOW - timedelta(days=2), required=required, category="police")
    assert statutory_deadlines(log.group(NOW))
    log.record(
        incident,
        IncidentNotified(
            recipient="cqc", notified_at=NOW - timedelta(minutes=5), reference=None, method=None
        ),
        home,
    )
    assert statutory_deadlines(log.group(NOW)) == []


def test_riddor_over_7_day_uses_the_deadline_fixed_on_the_incident() -> None:
    log = Log()
    home = log.home("Oak House")
    occurred = NOW - timedelta(days=14)
    riddor = RequiredNotification(
        recipient="hse_riddor", reason="r", rule="15 days", due_at=occurred + timedelta(days=15)
    )
    log.incident(home, occurred, category="injury", required=(riddor,))
    assert statutory_deadlines(log.group(NOW)) == []
    assert len(statutory_deadlines(log.group(NOW + timedelta(days=1, hours=1)))) == 1


def test_complaint_acknowledgement_counts_working_days_across_a_bank_holiday_weekend() -> None:
    # Received Thursday 25 March 2027; Good Friday and Easter Monday are bank holidays, so the
    # three working days are Tue 30, Wed 31 March and Thu 1 April.
    log = Log()
    home = log.home("Oak House")
    complaint = log.complaint(home, datetime(2027, 3, 25, 10, tzinfo=UTC))
    two_working_days = at(date(2027, 3, 31))  # six calendar days later
    third_working_day = at(date(2027, 4, 1), hour=22)
    day_after = at(date(2027, 4, 2), hour=9)
    assert complaint_deadlines(log.group(two_working_days)) == []
    assert complaint_deadlines(log.group(third_working_day)) == []
    found = complaint_deadlines(log.group(day_after))
    assert [(f.kind, f.key) for f in found] == [("complaint_deadline", f"{complaint}:acknowledge")]


def test_complaint_not_responded_within_the_response_target() -> None:
    from services.complaints.events import ComplaintAcknowledged

    log = Log()
    home = log.home("Oak House")
    received = datetime(2026, 5, 1, 9, tzinfo=UTC)
    complaint = log.complaint(home, received)
    log.record(complaint, ComplaintAcknowledged(acknowledged_at=received, late=False), home)
    # 20 working days after Fri 1 May 2026 (bank holidays 4 and 25 May) is Tue 2 June.
    assert complaint_deadlines(log.group(at(date(2026, 6, 2)))) == []
    found = complaint_deadlines(log.group(at(date(2026, 6, 3))))
    assert [f.key for f in found] == [f"{complaint}:respond"]


def test_an_audit_past_its_due_date_and_not_completed_is_overdue() -> None:
    log = Log()
    home = log.home("Oak House")
    late = log.scheduled(home, due=date(2026, 6, 14))
    log.scheduled(home, due=date(2026, 6, 15))
    log.audit(home, datetime(2026, 6, 1, tzinfo=UTC), {})
    found = overdue_audits(log.group(NOW))
    assert [(f.kind, f.key) for f in found] == [("audit_overdue", str(late))]


def test_detect_runs_every_detector_and_finds_nothing_in_a_quiet_home() -> None:
    log = Log()
    home = log.home("Oak House")
    log.action(home, due=date(2026, 7, 1))
    log.audit(home, datetime(2026, 6, 1, tzinfo=UTC), {})
    assert detect(log.group(NOW)) == []
