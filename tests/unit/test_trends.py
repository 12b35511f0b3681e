"""The trends view's pure core: monthly series from a home's events, given/when/then."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest

from eventstore import RecordedEvent
from services.kernel.errors import InvalidCommand
from services.views.trends import month_keys, series

HOME = uuid4()
TODAY = date(2026, 5, 20)


def recorded(stream_id: UUID, seq: int, type_: str, **data: Any) -> RecordedEvent:
    return RecordedEvent(
        tenant_id=uuid4(),
        seq=seq,
        event_id=uuid4(),
        stream_type="x",
        stream_id=stream_id,
        version=seq,
        type=type_,
        schema_version=1,
        data=data,
        metadata={},
        subject_id=None,
        location_id=HOME,
        recorded_at=datetime(2026, 5, 20, tzinfo=UTC),
    )


def points_by_month(metric: str, events: list[RecordedEvent], months: int = 3) -> dict:
    return {p.month: p for p in series(metric, events, months, TODAY)}


def test_the_months_end_with_todays_and_cross_the_year() -> None:
    assert month_keys(3, TODAY) == ["2026-03", "2026-04", "2026-05"]
    assert month_keys(3, date(2026, 1, 5)) == ["2025-11", "2025-12", "2026-01"]
    assert len(month_keys(24, TODAY)) == 24


def test_incidents_count_per_category_by_when_they_occurred_in_england() -> None:
    # given: a fall in March, one late on 30 April UTC (1 May in England), one out of the window
    fall, bst, old = uuid4(), uuid4(), uuid4()
    events = [
        recorded(fall, 1, "IncidentReported", category="fall", occurred_at="2026-03-10T09:00:00Z"),
        recorded(bst, 2, "IncidentReported", category="fall", occurred_at="2026-04-30T23:30:00Z"),
        recorded(bst, 3, "IncidentAmended", category="medication_error"),
        recorded(old, 4, "IncidentReported", category="fall", occurred_at="2025-12-01T09:00:00Z"),
    ]

    # when
    points = points_by_month("incidents", events)

    # then: the amended category counts, in the English month; empty months carry zeros
    assert list(points) == ["2026-03", "2026-04", "2026-05"]
    assert (points["2026-03"].count, points["2026-03"].ids) == (1, [fall])
    assert points["2026-04"].count == 0
    assert points["2026-04"].by_category is not None
    assert {c: p.count for c, p in points["2026-04"].by_category.items()} == {
        "fall": 0,
        "medication_error": 0,
    }
    may = points["2026-05"].by_category
    assert may is not None and may["medication_error"].ids == [bst] and may["fall"].count == 0


def test_audit_compliance_is_yes_over_yes_and_no_of_the_months_completed_audits() -> None:
    # given: two audits completed in April (N/A left out), one cancelled, none in March
    first, second, cancelled = uuid4(), uuid4(), uuid4()
    answers = [{"answer": "yes"}, {"answer": "no"}, {"answer": "na"}]
    events = [
        recorded(first, 1, "AuditCompleted", completed_at="2026-04-02T10:00:00Z", answers=answers),
        recorded(
            second, 2, "AuditCompleted", completed_at="2026-04-20T10:00:00Z", answers=answers[:1]
        ),
        recorded(
            cancelled, 3, "AuditCompleted", completed_at="2026-04-21T10:00:00Z", answers=answers
        ),
        recorded(cancelled, 4, "AuditCancelled"),
    ]

    # when
    points = points_by_month("audit_compliance", events)

    # then
    april = points["2026-04"]
    assert (april.yes, april.no, april.compliance) == (2, 1, round(2 / 3, 4))
    assert april.ids == [first, second]
    assert (points["2026-03"].count, points["2026-03"].compliance) == (0, None)


def test_complaints_count_by_when_they_were_received() -> None:
    one, two = uuid4(), uuid4()
    events = [
        recorded(one, 1, "ComplaintReceived", received_at="2026-05-01T08:00:00+01:00"),
        recorded(two, 2, "ComplaintReceived", received_at="2026-03-31T23:30:00Z"),  # April here
    ]

    points = points_by_month("complaints", events)

    assert [(p.month, p.count) for p in points.values()] == [
        ("2026-03", 0),
        ("2026-04", 1),
        ("2026-05", 1),
    ]
    assert points["2026-04"].ids == [two]


def test_action_closure_days_by_month_of_completion_and_a_reopened_action_waits() -> None:
    # given: three actions completed in April after 2, 4 and 9 days; a fourth reopened
    ids = [uuid4() for _ in range(4)]
    events: list[RecordedEvent] = []
    for n, (action, days) in enumerate(zip(ids, (2, 4, 9, 1), strict=True)):
        events.append(recorded(action, 10 * n, "ActionRaised", raised_at="2026-04-01T09:00:00Z"))
        events.append(
            recorded(
                action,
                10 * n + 1,
                "ActionCompleted",
                completed_at=f"2026-04-{1 + days:02d}T09:00:00Z",
            )
        )
    events.append(recorded(ids[3], 99, "ActionReopened"))

    # when
    points = points_by_month("action_closure_days", events)

    # then
    april = points["2026-04"]
    assert april.ids == ids[:3]
    assert (april.mean_days, april.median_days) == (5.0, 4.0)
    assert (points["2026-05"].count, points["2026-05"].mean_days) == (0, None)


def test_the_same_events_twice_change_nothing() -> None:
    action = uuid4()
    events = [
        recorded(action, 1, "ActionRaised", raised_at="2026-05-01T09:00:00Z"),
        recorded(action, 2, "ActionCompleted", completed_at="2026-05-03T21:00:00Z"),
    ]

    once = series("action_closure_days", events, 2, TODAY)
    twice = series("action_closure_days", events + events, 2, TODAY)

    assert once == twice and once[-1].mean_days == 2.5


def test_an_unknown_metric_or_window_is_refused() -> None:
    with pytest.raises(InvalidCommand) as refused:
        series("falls", [], 12, TODAY)
    assert refused.value.field == "metric"
    with pytest.raises(InvalidCommand):
        series("incidents", [], 25, TODAY)
