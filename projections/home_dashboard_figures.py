"""A home's dashboard figures from its home_dashboard document, as of a given day: pure.

Every count comes with the ids of the records behind it and, where the records API can filter
to exactly those records, a collection URL.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any

from projections.projection import Document
from services.frameworks.catalogue import default_catalogue
from services.frameworks.errors import UnknownFramework, UnknownQualityStatement
from services.incidents.events import CANDOUR_STEPS
from services.kernel.calendar import ENGLAND, local_date, working_days_between
from services.views.thresholds import DEFAULT_THRESHOLDS, Thresholds

API = "/api/v1"
LIVE_ACTION_STATUSES = ("open", "in_progress")
PRIORITIES = ("urgent", "high", "medium", "low")
PENDING_AUDIT_STATUSES = ("scheduled", "in_progress")
AWAITING_RESPONSE = ("received", "acknowledged", "investigating")
OPEN_COMPLAINTS = (*AWAITING_RESPONSE, "responded", "escalated")
ALERTS = {"open": 0, "available": False}  # alerts are not recorded yet: nothing to count


def figure(ids: Iterable[str], *urls: str) -> dict[str, Any]:
    """A count and the records behind it."""
    listed = sorted(ids)
    return {"count": len(listed), "ids": listed, "urls": list(urls)}


def midnight_utc(day: date) -> str:
    """The start of `day` in England, in UTC, as a list's `from`/`to` takes it."""
    moment = datetime.combine(day, time(), tzinfo=ENGLAND).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def day_before(today: date) -> str:
    """Due dates are indexed at midnight UTC of the day: `to` this is "due before today"."""
    return (today - timedelta(days=1)).strftime("%Y-%m-%dT00:00:00Z")


def listed(
    collection: str, home: str, statuses: Iterable[str], since: str = "", to: str = ""
) -> list[str]:
    """Collection URLs that together list exactly a figure's records (one per status)."""
    window = (f"&from={since}" if since else "") + (f"&to={to}" if to else "")
    return [f"{API}/{collection}?location_id={home}&status={s}{window}" for s in statuses]


def last_twelve_months(today: date) -> list[str]:
    """The twelve calendar months ending with today's, oldest first, as `YYYY-MM`."""
    months = []
    year, month = today.year, today.month
    for _ in range(12):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


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


def rated_counts(figures: dict[str, Any], thresholds: Thresholds) -> dict[str, Any]:
    for figure_name, (section, key) in RATED_COUNTS.items():
        counted = figures[section][key]
        counted["rag"] = thresholds.count(figure_name, counted["count"])
    return figures


#: The counts rated by a tenant's thresholds (services/views/thresholds.py): where each is.
RATED_COUNTS = {
    "overdue_actions": ("actions", "overdue"),
    "overdue_notifications": ("notifiable_incidents", "overdue"),
    "overdue_complaints": ("complaints", "overdue"),
    "overdue_audits": ("audits", "overdue"),
    "red_audits": ("audits", "red"),
}


def action_figures(doc: Document, today: date) -> dict[str, Any]:
    """Live actions (open or in progress) and those past their due date, by priority."""
    home = doc["location_id"]
    urls = [f"{API}/actions?location_id={home}&status={s}" for s in LIVE_ACTION_STATUSES]
    live = {i: a for i, a in doc["actions"].items() if a["status"] in LIVE_ACTION_STATUSES}
    overdue = {i: a for i, a in live.items() if date.fromisoformat(a["due_date"]) < today}
    return {
        "open": figure(live, *urls),
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
    url = f"{API}/incidents?location_id={doc['location_id']}&from={since}"
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


def made_notifications(incident: Mapping[str, Any]) -> dict[str, str]:
    """Recipient → when the incident's notification to them was first made; the duty of
    candour counts as made once its every step is done (at the last step)."""
    made = dict(incident["notified"])
    candour = incident["candour"]
    if all(step in candour for step in CANDOUR_STEPS):
        made["duty_of_candour"] = max(candour[step] for step in CANDOUR_STEPS)
    return made


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


def latest_completed(doc: Document) -> dict[str, tuple[str, dict[str, Any]]]:
    """Template id → its most recently completed audit at this home (id, audit)."""
    latest: dict[str, tuple[str, dict[str, Any]]] = {}
    for audit_id, audit in sorted(doc["audits"].items()):
        if audit["status"] != "completed":
            continue
        known = latest.get(audit["template_id"])
        if known is None or audit["completed_at"] > known[1]["completed_at"]:
            latest[audit["template_id"]] = (audit_id, audit)
    return latest


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


@cache
def key_question_of(framework: str, statement: str) -> str:
    try:
        return default_catalogue().statement(framework, statement).key_question
    except (UnknownFramework, UnknownQualityStatement):
        return statement.split(".")[0]


def compliance_figures(doc: Document, thresholds: Thresholds) -> dict[str, Any]:
    """Yes / (yes + no) per quality statement over the latest completed audit of each template,
    and the same per key question over its statements; each rated against the thresholds."""
    return rated_compliance(compliance_tally(doc), thresholds)


def compliance_tally(doc: Document) -> dict[str, dict[str, Any]]:
    """Quality statement → its key question, the yes and no answers over the latest completed
    audit of each template, and those audits' ids (sorted): the part that does not depend on
    a tenant's thresholds."""
    statements: dict[str, dict[str, Any]] = {}
    for audit_id, audit in latest_completed(doc).values():
        for statement, counts in audit["statements"].items():
            entry = statements.get(statement)
            if entry is None:
                question = key_question_of(audit["framework"], statement)
                entry = {"key_question": question, "yes": 0, "no": 0, "audit_ids": set()}
                statements[statement] = entry
            entry["yes"] += counts["yes"]
            entry["no"] += counts["no"]
            entry["audit_ids"].add(audit_id)
    return {s: {**e, "audit_ids": sorted(e["audit_ids"])} for s, e in sorted(statements.items())}


def rated_compliance(
    statements: Mapping[str, Mapping[str, Any]], thresholds: Thresholds, each: bool = True
) -> dict[str, Any]:
    """`compliance_tally`'s statements, and the same per key question, rated (the statements
    themselves only if `each`: the group overview shows them on request)."""
    key_questions: dict[str, dict[str, Any]] = {}
    for entry in statements.values():
        kq = key_questions.setdefault(
            entry["key_question"], {"yes": 0, "no": 0, "audit_ids": set()}
        )
        kq["yes"] += entry["yes"]
        kq["no"] += entry["no"]
        kq["audit_ids"].update(entry["audit_ids"])
    return {
        "thresholds": {
            "green_at": thresholds.compliance_green_at,
            "amber_at": thresholds.compliance_amber_at,
        },
        "quality_statements": (
            {s: rated(e, thresholds) for s, e in sorted(statements.items())} if each else {}
        ),
        "key_questions": {k: rated(e, thresholds) for k, e in sorted(key_questions.items())},
    }


def rated(entry: Mapping[str, Any], thresholds: Thresholds) -> dict[str, Any]:
    yes, answered = entry["yes"], entry["yes"] + entry["no"]
    return {
        **entry,
        "audit_ids": sorted(entry["audit_ids"]),
        "compliance": yes / answered if answered else None,
        "rag": thresholds.compliance_of(yes, answered),
    }
