"""What a home_dashboard document says whatever the day: which statuses are live or pending,
which notifications were made, each template's latest audit and the compliance tally over
them. The projection's summary stores these; the views (services/views/) apply "today" to them.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from projections.projection import Document
from services.frameworks.catalogue import default_catalogue
from services.frameworks.errors import UnknownFramework, UnknownQualityStatement
from services.incidents.events import CANDOUR_STEPS

LIVE_ACTION_STATUSES = ("open", "in_progress")
PENDING_AUDIT_STATUSES = ("scheduled", "in_progress")
#: Complaint statuses still owing the complainant a response.
AWAITING_RESPONSE = ("received", "acknowledged", "investigating")


def made_notifications(incident: Mapping[str, Any]) -> dict[str, str]:
    """Recipient → when the incident's notification to them was first made; the duty of
    candour counts as made once its every step is done (at the last step)."""
    made = dict(incident["notified"])
    candour = incident["candour"]
    if all(step in candour for step in CANDOUR_STEPS):
        made["duty_of_candour"] = max(candour[step] for step in CANDOUR_STEPS)
    return made


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


@cache
def key_question_of(framework: str, statement: str) -> str:
    try:
        return default_catalogue().statement(framework, statement).key_question
    except (UnknownFramework, UnknownQualityStatement):
        return statement.split(".")[0]


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
