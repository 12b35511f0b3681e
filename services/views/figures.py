"""The shape every dashboard figure shares: a count with the records behind it and the
collection URLs that list exactly them, and the RAG a tenant's thresholds give counts and
compliance. Pure; the home dashboard and the group overview are built from these."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from projections.home_dashboard_facts import AWAITING_RESPONSE
from services.http.links import API_BASE
from services.kernel.calendar import ENGLAND
from services.views.thresholds import Thresholds

PRIORITIES = ("urgent", "high", "medium", "low")
OPEN_COMPLAINTS = (*AWAITING_RESPONSE, "responded", "escalated")
ALERTS = {"open": 0, "available": False}  # until services/alerts/dashboard.py counts them

#: The counts rated by a tenant's thresholds (services/views/thresholds.py): where each is.
RATED_COUNTS = {
    "overdue_actions": ("actions", "overdue"),
    "overdue_notifications": ("notifiable_incidents", "overdue"),
    "overdue_complaints": ("complaints", "overdue"),
    "overdue_audits": ("audits", "overdue"),
    "red_audits": ("audits", "red"),
}


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
    return [f"{API_BASE}/{collection}?location_id={home}&status={s}{window}" for s in statuses]


def last_twelve_months(today: date) -> list[str]:
    """The twelve calendar months ending with today's, oldest first, as `YYYY-MM`."""
    months = []
    year, month = today.year, today.month
    for _ in range(12):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def rated_counts(figures: dict[str, Any], thresholds: Thresholds) -> dict[str, Any]:
    for figure_name, (section, key) in RATED_COUNTS.items():
        counted = figures[section][key]
        counted["rag"] = thresholds.count(figure_name, counted["count"])
    return figures


def rated_compliance(
    statements: Mapping[str, Mapping[str, Any]], thresholds: Thresholds, each: bool = True
) -> dict[str, Any]:
    """A compliance tally's statements (projections/home_dashboard_facts.py), and the same per
    key question, rated (the statements themselves only if `each`: the group overview shows
    them on request)."""
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
