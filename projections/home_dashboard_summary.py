"""The group overview's part of a home's dashboard, kept small: `summarize` a home_dashboard
document when it is written; services/views/group_overview.py applies "today" to it.

The overview shows every home at once, so it must not read and fold every record each home's
document holds: that grows with the history kept (a year of incidents, the last audits of each
template with their answers per statement). A summary keeps only what the overview's figures
need and nothing that depends on "today": live actions with their due dates, each held
incident's local date, the earliest due time of each notification still to make, open
complaints with their deadlines, pending audits, the red latest audits and the compliance
tally. The runner stores it beside the document (projections/projection.py, `summary`).

`overview_figures(summarize(doc), ...)` gives exactly the key figures and compliance of
`home_figures(doc, ...)` for any day: the overview and each home's dashboard never disagree
(tests/unit/test_home_dashboard_summary.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from projections.home_dashboard_facts import (
    LIVE_ACTION_STATUSES,
    PENDING_AUDIT_STATUSES,
    compliance_tally,
    latest_completed,
    made_notifications,
)
from projections.projection import Document
from services.kernel.calendar import local_date

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
