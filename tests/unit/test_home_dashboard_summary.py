"""The group overview reads each home's stored summary, not its document: for any document and
any day, the summary's figures must be exactly the home dashboard's key figures, compliance
and ranking score. Documents are generated in the shapes projections/home_dashboard_records.py
folds, with every status, deadline and notification state mixed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from projections.home_dashboard_summary import summarize
from services.incidents.events import CANDOUR_STEPS
from services.views.group_overview import (
    group_overview,
    key_figures,
    overview_figures,
    ranking_score,
)
from services.views.home_figures import home_figures
from services.views.thresholds import DEFAULT_THRESHOLDS, Thresholds

START = datetime(2025, 1, 1, tzinfo=UTC)
DAYS = 700
STATEMENTS = (
    "safe.safeguarding",
    "safe.medicines-optimisation",
    "well-led.governance-management",
    "effective.assessing-needs",
    "not-a-framework.statement",
)
TEMPLATES = ("t-medication", "t-falls", "t-infection")
RECIPIENTS = ("cqc", "local_authority", "riddor", "duty_of_candour")

ids = st.uuids().map(str)
days = st.integers(0, DAYS).map(lambda n: (START + timedelta(days=n)).date())
offsets = st.sampled_from([UTC, timezone(timedelta(hours=1))])
moments = st.builds(
    lambda n, minutes, tz: (START + timedelta(days=n, minutes=minutes)).astimezone(tz),
    st.integers(0, DAYS),
    st.integers(0, 24 * 60 - 1),
    offsets,
)
iso_day = days.map(date.isoformat)
iso_moment = moments.map(datetime.isoformat)

action = st.fixed_dictionaries(
    {
        "reference": st.just("ACT-1"),
        "status": st.sampled_from(
            ["draft", "open", "in_progress", "completed", "verified", "cancelled"]
        ),
        "priority": st.sampled_from(["urgent", "high", "medium", "low"]),
        "due_date": iso_day,
    }
)
incident = st.fixed_dictionaries(
    {
        "reference": st.just("INC-1"),
        "category": st.sampled_from(["fall", "death", "safeguarding"]),
        "severity": st.just("moderate"),
        "occurred_at": iso_moment,
        "status": st.sampled_from(["open", "closed"]),
        "required": st.lists(
            st.fixed_dictionaries({"recipient": st.sampled_from(RECIPIENTS), "due_at": iso_moment}),
            max_size=3,
            unique_by=lambda r: r["recipient"],
        ),
        "notified": st.dictionaries(st.sampled_from(RECIPIENTS[:3]), iso_moment, max_size=3),
        "candour": st.dictionaries(st.sampled_from(CANDOUR_STEPS), iso_moment),
    }
)
complaint = st.fixed_dictionaries(
    {
        "reference": st.just("CMP-1"),
        "status": st.sampled_from(
            ["received", "acknowledged", "investigating", "responded", "escalated", "closed"]
        ),
        "received_at": iso_moment,
        "acknowledge_by": iso_day,
        "respond_by": iso_day,
        "investigated": st.booleans(),
        "closed_at": st.none(),
    }
)
#: What an audit keeps from when it is scheduled (projections/home_dashboard_records.py).
SCHEDULED = {
    "due_date": iso_day,
    "template_id": st.sampled_from(TEMPLATES),
    "template_name": st.just("Audit"),
    "framework": st.just("cqc-saf-2024"),
    "green_at": st.just(0.9),
    "amber_at": st.just(0.75),
}
pending_audit = st.fixed_dictionaries(
    {
        **SCHEDULED,
        "status": st.sampled_from(["scheduled", "in_progress"]),
        "questions": st.just({}),
    }
)
completed_audit = st.fixed_dictionaries(
    {
        **SCHEDULED,
        "status": st.just("completed"),
        "completed_at": iso_moment,
        "score": st.none() | st.floats(0, 1),
        "rag": st.sampled_from(["red", "amber", "green", None]),
        "statements": st.dictionaries(
            st.sampled_from(STATEMENTS),
            st.fixed_dictionaries({"yes": st.integers(0, 5), "no": st.integers(0, 5)}),
            max_size=4,
        ),
    }
)
documents = st.fixed_dictionaries(
    {
        "location_id": ids,
        "name": st.sampled_from(["Oak", "Elm", None]),
        "registered": st.booleans(),
        "closed": st.booleans(),
        "actions": st.dictionaries(ids, action, max_size=6),
        "incidents": st.dictionaries(ids, incident, max_size=8),
        "complaints": st.dictionaries(ids, complaint, max_size=4),
        "audits": st.dictionaries(ids, pending_audit | completed_audit, max_size=8),
        "last_seq": st.just(1),
        "pruned_on": st.none(),
    }
)
thresholds = st.sampled_from(
    [
        DEFAULT_THRESHOLDS,
        Thresholds(
            compliance_green_at=0.8,
            compliance_amber_at=0.5,
            counts={name: (2, 3) for name in DEFAULT_THRESHOLDS.counts},
        ),
    ]
)


def stored(summary: dict[str, Any]) -> dict[str, Any]:
    """As the overview reads it back: through JSON, like the projection_documents row."""
    decoded: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(summary))
    return decoded


@settings(max_examples=300, deadline=None)
@given(documents, moments, thresholds)
def test_a_homes_summary_gives_exactly_its_dashboards_key_figures_on_any_day(
    doc: dict[str, Any], now: datetime, rated: Thresholds
) -> None:
    today = now.astimezone(UTC).date()

    full = home_figures(doc, today, now, rated)
    lean = overview_figures(stored(summarize(doc)), today, now, rated)

    assert key_figures(lean) == key_figures(full)
    assert lean["compliance"] == full["compliance"]
    assert ranking_score(lean) == ranking_score(full)
    assert group_overview([lean], statements=True) == group_overview([full], statements=True)


@given(documents, moments)
def test_a_summary_depends_on_the_document_only_and_holds_no_closed_work(
    doc: dict[str, Any], now: datetime
) -> None:
    summary = summarize(doc)

    assert summary == summarize(doc)
    assert set(summary["actions"]) == {
        i for i, a in doc["actions"].items() if a["status"] in ("open", "in_progress")
    }
    assert set(summary["complaints"]) == {
        i for i, c in doc["complaints"].items() if c["status"] != "closed"
    }
    assert summary["revived"] is False


def test_a_document_holding_a_revived_record_is_marked_so_readers_fill_it_in_first() -> None:
    doc = {
        "location_id": "home",
        "name": "Oak",
        "registered": True,
        "closed": False,
        "actions": {"a": {"revived": True}},
        "incidents": {},
        "complaints": {},
        "audits": {},
        "last_seq": 1,
        "pruned_on": None,
    }

    summary = summarize(doc)

    assert summary["revived"] is True
    assert summary["actions"] == {}


def test_the_twelve_month_window_is_counted_in_english_days_at_both_ends() -> None:
    today = date(2026, 5, 15)  # the window runs from 1 June 2025 to today, British Summer Time
    occurred = {
        "first-day": "2025-05-31T23:30:00+00:00",  # 00:30 on 1 June in England
        "day-before": "2025-05-31T22:30:00+00:00",  # 23:30 on 31 May
        "today": "2026-05-15T22:59:00+00:00",  # 23:59 today
        "tomorrow": "2026-05-15T23:30:00+00:00",  # 00:30 tomorrow
    }
    doc = {
        "location_id": "home",
        "name": "Oak",
        "registered": True,
        "closed": False,
        "actions": {},
        "incidents": {
            name: {
                "reference": name,
                "category": "fall",
                "severity": "low",
                "occurred_at": at,
                "status": "open",
                "required": [],
                "notified": {},
                "candour": {},
            }
            for name, at in occurred.items()
        },
        "complaints": {},
        "audits": {},
        "last_seq": 1,
        "pruned_on": None,
    }
    now = datetime(2026, 5, 15, 12, tzinfo=UTC)

    lean = overview_figures(stored(summarize(doc)), today, now)

    assert lean["incidents"]["total"]["ids"] == ["first-day", "today"]
    assert key_figures(lean) == key_figures(home_figures(doc, today, now))
