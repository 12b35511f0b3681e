"""The group overview's part of a home's dashboard, kept small: `summarize` a home_dashboard
document when it is written, and `overview_figures` from that summary at read time.

The overview shows every home at once, so it must not read and fold every record each home's
document holds: that grows with the history kept (a year of incidents, the last audits of each
template with their answers per statement). A summary keeps only what the overview's figures
need and nothing that depends on "today": live actions with their due dates, each held
incident's local date, the earliest due time of each notification still to make, open
complaints with their deadlines, pending audits, the red latest audits and the compliance
tally. The runner stores it beside the document (projections/projection.py, `summary`).

`overview_figures(summarize(doc), ...)` gives exactly the key figures and compliance of
`home_figures(doc, ...)` (projections/home_dashboard_figures.py) for any day: the overview and
each home's dashboard never disagree (tests/unit/test_home_dashboard_summary.py).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from projections.home_dashboard_figures import (
    ALERTS,
    API,
    AWAITING_RESPONSE,
    LIVE_ACTION_STATUSES,
    OPEN_COMPLAINTS,
    PENDING_AUDIT_STATUSES,
    compliance_tally,
    day_before,
    figure,
    last_twelve_months,
    latest_completed,
    listed,
    made_notifications,
    midnight_utc,
    rated_compliance,
    rated_counts,
)
from projections.projection import Document
from services.kernel.calendar import local_date
from services.views.thresholds import DEFAULT_THRESHOLDS, Thresholds

SECTIONS = ("actions", "incidents", "complaints", "audits")


def summarize(doc: Document) -> Document:
    """What the overview needs of a home's document, none of it depending on the day read.
    A document holding a record it let go of and that came back (`{"revived": true}`) is
    marked `revived`: its summary cannot see that record's facts, so readers summarize the
    filled-in document instead (projections/home_dashboard_reading.py)."""
    revived = any(r.get("revived") for section in SECTIONS for r in doc[section].values())
    live = ((i, a) for i, a in doc["actions"].items() if a.get("status") in LIVE_ACTION_STATUSES)
    incidents: dict[str, list[str]] = {}
    outstanding: dict[str, str] = {}
    for incident_id, incident in sorted(doc["incidents"].items()):
        if incident.get("revived"):
            continue
        occurred = local_date(datetime.fromisoformat(incident["occurred_at"])).isoformat()
        incidents.setdefault(occurred, []).append(incident_id)
        made = made_notifications(incident)
        due = [r["due_at"] for r in incident["required"] if r["recipient"] not in made]
        if due:
            outstanding[incident_id] = min(due, key=datetime.fromisoformat)
    audits = {"audits": _known(doc["audits"])}
    latest = latest_completed(audits)
    return {
        "location_id": doc["location_id"],
        "name": doc["name"],
        "registered": doc["registered"],
        "closed": doc["closed"],
        "revived": revived,
        "actions": {i: a["due_date"] for i, a in live},
        "incidents": incidents,
        "outstanding": outstanding,
        "complaints": {
            i: [c["status"], c["acknowledge_by"], c["respond_by"]]
            for i, c in sorted(doc["complaints"].items())
            if not c.get("revived") and c["status"] != "closed"
        },
        "audits": {
            i: a["due_date"]
            for i, a in doc["audits"].items()
            if a.get("status") in PENDING_AUDIT_STATUSES
        },
        "red_audits": sorted(audit_id for audit_id, a in latest.values() if a["rag"] == "red"),
        "statements": compliance_tally(audits),
    }


def _known(records: dict[str, Any]) -> dict[str, Any]:
    return {i: r for i, r in records.items() if not r.get("revived")}


def overview_figures(
    summary: Document,
    today: date,
    now: datetime,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    statements: bool = True,
) -> dict[str, Any]:
    """What the group overview shows of a home on `today` (deadlines compared to `now`): its
    dashboard's key figures and compliance, in the dashboard's shape, from its summary. Each
    quality statement is rated only if `statements` (the key questions always are)."""
    home = summary["location_id"]
    live = summary["actions"]
    overdue_actions = [i for i, due in live.items() if date.fromisoformat(due) < today]
    first_day = date.fromisoformat(last_twelve_months(today)[0] + "-01")
    in_window = [
        i
        for day, ids in summary["incidents"].items()
        if first_day <= date.fromisoformat(day) <= today
        for i in ids
    ]
    overdue_notifications = [
        i for i, due in summary["outstanding"].items() if now > datetime.fromisoformat(due)
    ]
    complaints = summary["complaints"]
    overdue_complaints = [
        i
        for i, (status, acknowledge_by, respond_by) in complaints.items()
        if (status == "received" and today > date.fromisoformat(acknowledge_by))
        or (status in AWAITING_RESPONSE and today > date.fromisoformat(respond_by))
    ]
    pending = summary["audits"]
    overdue_audits = [i for i, due in pending.items() if date.fromisoformat(due) < today]
    actions_url = [f"{API}/actions?location_id={home}&status={s}" for s in LIVE_ACTION_STATUSES]
    return rated_counts(
        {
            "location_id": home,
            "name": summary["name"],
            "actions": {
                "open": figure(live, *actions_url),
                "overdue": figure(
                    overdue_actions,
                    *listed("actions", home, LIVE_ACTION_STATUSES, to=day_before(today)),
                ),
            },
            "incidents": {
                "total": figure(
                    in_window,
                    f"{API}/incidents?location_id={home}&from={midnight_utc(first_day)}",
                )
            },
            "notifiable_incidents": {
                "not_notified": figure(summary["outstanding"]),
                "overdue": figure(overdue_notifications),
            },
            "complaints": {
                "open": figure(complaints, *listed("complaints", home, OPEN_COMPLAINTS)),
                "overdue": figure(overdue_complaints),
            },
            "audits": {
                "overdue": figure(
                    overdue_audits,
                    *listed("audits", home, PENDING_AUDIT_STATUSES, to=day_before(today)),
                ),
                "red": figure(summary["red_audits"]),
            },
            "compliance": rated_compliance(summary["statements"], thresholds, statements),
            "alerts": dict(ALERTS),
        },
        thresholds,
    )
