"""The group overview: each home's key figures from its stored summary (as of a day), then
every home side by side with a ranking and heat maps. Read from summaries, never whole
documents (projections/home_dashboard_summary.py says why).

Ranking rule: homes with the most overdue actions + overdue incident notifications + red audits
(templates whose latest audit is rated red) come first; ties go to the home named first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from projections.home_dashboard_facts import (
    AWAITING_RESPONSE,
    LIVE_ACTION_STATUSES,
    PENDING_AUDIT_STATUSES,
)
from projections.projection import Document
from services.frameworks.catalogue import default_catalogue
from services.http.links import API_BASE
from services.views.figures import (
    ALERTS,
    OPEN_COMPLAINTS,
    day_before,
    figure,
    last_twelve_months,
    listed,
    midnight_utc,
    rated_compliance,
    rated_counts,
)
from services.views.thresholds import DEFAULT_THRESHOLDS, Thresholds

RANKING_RULE = (
    "most overdue actions + incidents with an overdue notification + red audits first;"
    " ties by home name"
)


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
    home, live, complaints = summary["location_id"], summary["actions"], summary["complaints"]
    first_day = date.fromisoformat(last_twelve_months(today)[0] + "-01")
    in_window = [
        i
        for day, ids in summary["incidents"].items()
        if first_day <= date.fromisoformat(day) <= today
        for i in ids
    ]
    overdue = _overdue(summary, today, now)
    return rated_counts(
        {
            "location_id": home,
            "name": summary["name"],
            "actions": {
                "open": figure(live, *listed("actions", home, LIVE_ACTION_STATUSES)),
                "overdue": figure(
                    overdue["actions"],
                    *listed("actions", home, LIVE_ACTION_STATUSES, to=day_before(today)),
                ),
            },
            "incidents": {
                "total": figure(
                    in_window,
                    f"{API_BASE}/incidents?location_id={home}&from={midnight_utc(first_day)}",
                )
            },
            "notifiable_incidents": {
                "not_notified": figure(summary["outstanding"]),
                "overdue": figure(overdue["notifications"]),
            },
            "complaints": {
                "open": figure(complaints, *listed("complaints", home, OPEN_COMPLAINTS)),
                "overdue": figure(overdue["complaints"]),
            },
            "audits": {
                "overdue": figure(
                    overdue["audits"],
                    *listed("audits", home, PENDING_AUDIT_STATUSES, to=day_before(today)),
                ),
                "red": figure(summary["red_audits"]),
            },
            "compliance": rated_compliance(summary["statements"], thresholds, statements),
            "alerts": dict(ALERTS),
        },
        thresholds,
    )


def _overdue(summary: Document, today: date, now: datetime) -> dict[str, list[str]]:
    """The summary's records past their deadline on `today` (notifications: at `now`)."""
    return {
        "actions": [i for i, due in summary["actions"].items() if date.fromisoformat(due) < today],
        "notifications": [
            i for i, due in summary["outstanding"].items() if now > datetime.fromisoformat(due)
        ],
        "complaints": [
            i
            for i, (status, acknowledge_by, respond_by) in summary["complaints"].items()
            if (status == "received" and today > date.fromisoformat(acknowledge_by))
            or (status in AWAITING_RESPONSE and today > date.fromisoformat(respond_by))
        ],
        "audits": [i for i, due in summary["audits"].items() if date.fromisoformat(due) < today],
    }


def key_figures(figures: dict[str, Any]) -> dict[str, Any]:
    """The figures a home shows side by side with the others (each still with its ids)."""
    return {
        "open_actions": figures["actions"]["open"],
        "overdue_actions": figures["actions"]["overdue"],
        "incidents_last_12_months": figures["incidents"]["total"],
        "incidents_not_notified": figures["notifiable_incidents"]["not_notified"],
        "overdue_notifications": figures["notifiable_incidents"]["overdue"],
        "open_complaints": figures["complaints"]["open"],
        "overdue_complaints": figures["complaints"]["overdue"],
        "overdue_audits": figures["audits"]["overdue"],
        "red_audits": figures["audits"]["red"],
        "open_alerts": figures["alerts"],
    }


def ranking_score(figures: dict[str, Any]) -> int:
    return int(
        figures["actions"]["overdue"]["count"]
        + figures["notifiable_incidents"]["overdue"]["count"]
        + figures["audits"]["red"]["count"]
    )


def group_overview(homes: Sequence[dict[str, Any]], statements: bool = False) -> dict[str, Any]:
    """`homes`: each home's dashboard figures. Heat maps are homes × key questions (and × quality
    statements when `statements`), each cell the compliance and RAG of the home's latest audits."""
    ordered = sorted(homes, key=lambda f: (-ranking_score(f), f["name"] or "", f["location_id"]))
    framework = default_catalogue().latest()
    overview: dict[str, Any] = {
        "homes": [
            {"location_id": f["location_id"], "name": f["name"], **key_figures(f)}
            for f in sorted(homes, key=lambda f: (f["name"] or "", f["location_id"]))
        ],
        "ranking": {
            "rule": RANKING_RULE,
            "homes": [
                {
                    "rank": rank,
                    "location_id": f["location_id"],
                    "name": f["name"],
                    "score": ranking_score(f),
                }
                for rank, f in enumerate(ordered, start=1)
            ],
        },
        "heat_map": {
            "key_questions": _heat_map(
                homes, "key_questions", [kq.id for kq in framework.key_questions]
            )
        },
    }
    if statements:
        ids = [s.id for s in framework.quality_statements]
        overview["heat_map"]["quality_statements"] = _heat_map(homes, "quality_statements", ids)
    return overview


def _heat_map(homes: Sequence[dict[str, Any]], axis: str, columns: list[str]) -> dict[str, Any]:
    extra = sorted({c for f in homes for c in f["compliance"][axis]} - set(columns))
    columns = [*columns, *extra]
    rows = []
    for f in sorted(homes, key=lambda f: (f["name"] or "", f["location_id"])):
        found = f["compliance"][axis]
        cells = {
            c: {
                "compliance": found[c]["compliance"] if c in found else None,
                "rag": found[c]["rag"] if c in found else None,
                "audit_ids": found[c]["audit_ids"] if c in found else [],
            }
            for c in columns
        }
        rows.append({"location_id": f["location_id"], "name": f["name"], "cells": cells})
    return {"columns": columns, "rows": rows}
