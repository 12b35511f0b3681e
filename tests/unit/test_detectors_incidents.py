"""Recurring incidents: given incidents at homes, when the detector runs, then findings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from tests.unit.detector_log import Log
from workers.detectors.incidents import recurring_incidents

NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def test_three_falls_in_seven_days_at_one_home() -> None:
    log = Log()
    home, other = log.home("Oak House"), log.home("Willow Court")
    falls = [log.incident(home, ago(d)) for d in (6.9, 3, 0.5)]
    log.incident(other, ago(1))
    log.incident(home, ago(1), category="medication_error")
    found = recurring_incidents(log.group(NOW))
    assert [(f.kind, f.key, f.location_id) for f in found] == [
        ("recurring_incident", f"{home}:fall", str(home))
    ]
    assert found[0].records == tuple(sorted(("incidents", str(i)) for i in falls))


def test_two_falls_or_a_third_outside_the_window_is_not_recurring() -> None:
    log = Log()
    home = log.home("Oak House")
    log.incident(home, ago(7.1))
    log.incident(home, ago(3))
    log.incident(home, ago(1))
    assert recurring_incidents(log.group(NOW)) == []
    assert len(recurring_incidents(log.group(NOW, {"alerts.recurring_home_days": 8}))) == 1


def test_three_incidents_of_one_person_in_thirty_days_across_homes() -> None:
    log = Log()
    home, other = log.home("Oak House"), log.home("Willow Court")
    person = uuid4()
    log.incident(home, ago(25), category="fall", people=(person,))
    log.incident(other, ago(12), category="injury", people=(person,))
    log.incident(other, ago(2), category="medication_error", people=(person, uuid4()))
    found = recurring_incidents(log.group(NOW))
    assert [(f.key, f.location_id) for f in found] == [(f"person:{person}", str(other))]
    assert found[0].location_ids == tuple(sorted((str(home), str(other))))


def test_a_persons_falls_already_alerted_for_the_home_are_not_alerted_twice() -> None:
    log = Log()
    home = log.home("Oak House")
    person = uuid4()
    for d in (5, 3, 1):
        log.incident(home, ago(d), people=(person,))
    assert [f.key for f in recurring_incidents(log.group(NOW))] == [f"{home}:fall"]
    log.incident(home, ago(20), category="injury", people=(person,))
    keys = {f.key for f in recurring_incidents(log.group(NOW))}
    assert keys == {f"{home}:fall", f"person:{person}"}
