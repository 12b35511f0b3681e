"""The group overview from every home's dashboard figures: key figures, ranking and heat maps.

Ranking rule: homes with the most overdue actions + overdue incident notifications + red audits
(templates whose latest audit is rated red) come first; ties go to the home named first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.frameworks.catalogue import default_catalogue

RANKING_RULE = (
    "most overdue actions + incidents with an overdue notification + red audits first;"
    " ties by home name"
)


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
