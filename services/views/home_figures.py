"""A home's dashboard figures from its home_dashboard document, as of a given day: pure.

Every count comes with the ids of the records behind it and, where the records API can filter
to exactly those records, a collection URL (services/views/figures.py). The document holds no
"today": this is where overdue, ages and the last twelve months are worked out.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from projections.home_dashboard_facts import (
    AWAITING_RESPONSE,
    LIVE_ACTION_STATUSES,
    PENDING_AUDIT_STATUSES,
    compliance_tally,
    latest_completed,
    made_notifications,
)
from projections.projection import Document
from services.http.links import API_BASE
from services.kernel.calendar import local_date, working_days_between
from services.views.figures import (
    ALERTS,
    OPEN_COMPLAINTS,
    PRIORITIES,
    day_before,
    figure,
    last_twelve_months,
    listed,
    midnight_utc,
    rated_compliance,
    rated_counts,
)
from services.views.thresholds import DEFAULT_THRESHOLDS, Thresholds


def home_figures(
    doc: Document, today: date, now: datetime, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> dict[str, Any]:
    """The whole dashboard of one home as it stands on `today` (deadlines compared to `now`),
    each overdue count and compliance figure rated red, amber or green by `thresholds`."""
    figures = {
        "location_id": doc["location_id"],
        "name": doc["name"],
        "as_of": today.isoformat(),
        "thresholds": thresholds.described(),
        "actions": action_figures(doc, today),
        "incidents": incident_figures(doc, today),
        "notifiable_incidents": notification_figures(doc, today, now),
        "complaints": complaint_figures(doc, today),
        "audits": audit_figures(doc, today),
        "compliance": compliance_figures(doc, thresholds),
        "alerts": dict(ALERTS),
    }
    return rated_counts(figures, thresholds)


def action_figures(doc: Document, today: date) -> dict[str, Any]:
    """Live actions (open or in progress) and those past their due date, by priority."""
    home = doc["location_id"]
    live = {i: a for i, a in doc["actions"].items() if a["status"] in LIVE_ACTION_STATUSES}
    overdue = {i: a for i, a in live.items() if date.fromisoformat(a["due_date"]) < today}
    return {
        "open": figure(live, *listed("actions", home, LIVE_ACTION_STATUSES)),
        "overdue": figure(
            overdue, *listed("actions", home, LIVE_ACTION_STATUSES, to=day_before(today))
        ),
        "open_by_priority": _by_priority(live),
        "overdue_by_priority": _by_priority(overdue),
    }


def _by_priority(actions: Mapping[str, Any]) -> dict[str, Any]:
    return {p: figure(i for i, a in actions.items() if a["priority"] == p) for p in PRIORITIES}


def _incident_cells(doc: Document, today: date) -> dict[str, dict[str, list[str]]]:
    """Category → month → the incidents that occurred then, over the last twelve months."""
    window = set(last_twelve_months(today))
    cells: dict[str, dict[str, list[str]]] = {}
    for incident_id, incident in doc["incidents"].items():
        occurred = local_date(datetime.fromisoformat(incident["occurred_at"]))
        month = occurred.isoformat()[:7]
        if month in window and occurred <= today:
            cells.setdefault(incident["category"], {}).setdefault(month, []).append(incident_id)
    return cells


def _incidents_total(
    doc: Document, today: date, cells: dict[str, dict[str, list[str]]] | None = None
) -> dict[str, Any]:
    found = _incident_cells(doc, today) if cells is None else cells
    since = midnight_utc(date.fromisoformat(last_twelve_months(today)[0] + "-01"))
    url = f"{API_BASE}/incidents?location_id={doc['location_id']}&from={since}"
    return figure((i for c in found.values() for ids in c.values() for i in ids), url)


def incident_figures(doc: Document, today: date) -> dict[str, Any]:
    """Incidents by category per month over the last twelve months (by when they occurred)."""
    months = last_twelve_months(today)
    cells = _incident_cells(doc, today)
    by_category = {
        category: {
            "total": figure(i for ids in per_month.values() for i in ids),
            "by_month": {m: figure(per_month.get(m, ())) for m in months},
        }
        for category, per_month in sorted(cells.items())
    }
    total = _incidents_total(doc, today, cells)
    return {"months": months, "total": total, "by_category": by_category}


def notification_progress(incident: Mapping[str, Any], now: datetime) -> list[dict[str, Any]]:
    """Each required notification: when made, whether in time, whether overdue at `now`."""
    made = made_notifications(incident)
    progress = []
    for required in incident["required"]:
        due = datetime.fromisoformat(required["due_at"])
        at = made.get(required["recipient"])
        made_at = datetime.fromisoformat(at) if at else None
        progress.append(
            {
                "recipient": required["recipient"],
                "due_at": required["due_at"],
                "made_at": at,
                "made_in_time": made_at <= due if made_at else None,
                "overdue": made_at is None and now > due,
            }
        )
    return progress


def notification_figures(doc: Document, today: date, now: datetime) -> dict[str, Any]:
    """Notifiable incidents of the last twelve months (and any older one still outstanding),
    each with whether every required notification was made in time."""
    first_month = last_twelve_months(today)[0]
    items, not_notified, overdue, late = [], [], [], []
    for incident_id, incident in sorted(doc["incidents"].items()):
        if not incident["required"]:
            continue
        progress = notification_progress(incident, now)
        outstanding = [p for p in progress if p["made_at"] is None]
        if incident["occurred_at"][:7] < first_month and not outstanding:
            continue
        in_time: bool | None = all(p["made_in_time"] for p in progress)
        if any(p["made_in_time"] is False or p["overdue"] for p in progress):
            in_time = False
        elif outstanding:
            in_time = None  # not made yet, but not due yet either
        items.append(
            {
                "incident_id": incident_id,
                "reference": incident["reference"],
                "category": incident["category"],
                "occurred_at": incident["occurred_at"],
                "notified": not outstanding,
                "notified_in_time": in_time,
                "notifications": progress,
            }
        )
        not_notified += [incident_id] if outstanding else []
        overdue += [incident_id] if any(p["overdue"] for p in progress) else []
        late += [incident_id] if any(p["made_in_time"] is False for p in progress) else []
    return {
        "count": len(items),
        "not_notified": figure(not_notified),
        "overdue": figure(overdue),
        "notified_late": figure(late),
        "incidents": items,
    }


def complaint_figures(doc: Document, today: date) -> dict[str, Any]:
    """Complaints not closed, with their working-day ages, and those past a deadline."""
    home = doc["location_id"]
    items, ack_overdue, response_overdue = [], [], []
    for complaint_id, c in sorted(doc["complaints"].items()):
        if c["status"] == "closed":
            continue
        received = local_date(datetime.fromisoformat(c["received_at"]))
        items.append(
            {
                "complaint_id": complaint_id,
                "reference": c["reference"],
                "status": c["status"],
                "received_on": received.isoformat(),
                "age_working_days": working_days_between(received, today),
                "acknowledge_by": c["acknowledge_by"],
                "respond_by": c["respond_by"],
            }
        )
        if c["status"] == "received" and today > date.fromisoformat(c["acknowledge_by"]):
            ack_overdue.append(complaint_id)
        if c["status"] in AWAITING_RESPONSE and today > date.fromisoformat(c["respond_by"]):
            response_overdue.append(complaint_id)
    return {
        "open": figure(
            (i["complaint_id"] for i in items), *listed("complaints", home, OPEN_COMPLAINTS)
        ),
        "overdue": figure(set(ack_overdue) | set(response_overdue)),
        "acknowledgement_overdue": figure(ack_overdue),
        "response_overdue": figure(response_overdue),
        "complaints": items,
    }


def audit_figures(doc: Document, today: date) -> dict[str, Any]:
    """Audits scheduled and not completed (due, or overdue past their due date), and the latest
    score and RAG per template."""
    home = doc["location_id"]
    pending = {i: a for i, a in doc["audits"].items() if a["status"] in PENDING_AUDIT_STATUSES}
    overdue = [i for i, a in pending.items() if date.fromisoformat(a["due_date"]) < today]
    latest = [
        {
            "template_id": template_id,
            "template_name": audit["template_name"],
            "audit_id": audit_id,
            "completed_at": audit["completed_at"],
            "score": audit["score"],
            "rag": audit["rag"],
        }
        for template_id, (audit_id, audit) in sorted(latest_completed(doc).items())
    ]
    return {
        "due": figure(
            (i for i in pending if i not in overdue),
            *listed("audits", home, PENDING_AUDIT_STATUSES, since=midnight_utc(today)),
        ),
        "overdue": figure(
            overdue, *listed("audits", home, PENDING_AUDIT_STATUSES, to=day_before(today))
        ),
        "latest_by_template": latest,
        "red": figure(t["audit_id"] for t in latest if t["rag"] == "red"),
    }


def compliance_figures(doc: Document, thresholds: Thresholds) -> dict[str, Any]:
    """Yes / (yes + no) per quality statement over the latest completed audit of each template,
    and the same per key question over its statements; each rated against the thresholds."""
    return rated_compliance(compliance_tally(doc), thresholds)
