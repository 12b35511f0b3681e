"""Deadline detectors: overdue actions, statutory notifications, complaint deadlines and audits
not done on schedule. Pure functions of a GroupState."""

from __future__ import annotations

from datetime import date

from projections.home_dashboard_facts import (
    AWAITING_RESPONSE,
    LIVE_ACTION_STATUSES,
    PENDING_AUDIT_STATUSES,
)
from services.views.home_figures import notification_progress
from workers.detectors.model import Finding, GroupState, finding

RECIPIENTS = {
    "cqc": "CQC",
    "local_authority_safeguarding": "the local authority safeguarding team",
    "hse_riddor": "HSE (RIDDOR)",
    "duty_of_candour": "the person (duty of candour)",
}


def overdue_actions(group: GroupState) -> list[Finding]:
    """Live actions past their due date, or with no due date, or with no (active) owner."""
    found = []
    for home in group.homes:
        for action_id, action in sorted(home.dashboard["actions"].items()):
            if action["status"] not in LIVE_ACTION_STATUSES:
                continue
            owner = home.facts["owners"].get(action_id)
            due = action.get("due_date")
            problems = []
            if not due:
                problems.append("has no due date")
            elif date.fromisoformat(due) < group.today:
                problems.append(f"was due on {due}")
            if not owner or owner in group.inactive_users:
                problems.append("has no active owner")
            if not problems:
                continue
            ref = action.get("reference") or action_id
            found.append(
                finding(
                    "overdue_action",
                    action_id,
                    f"Action {ref} at {home.name} " + " and ".join(problems),
                    f"The {action['priority']} priority action {ref} is {action['status']}"
                    f" and {' and '.join(problems)}.",
                    location_id=home.id,
                    records=[("actions", action_id)],
                )
            )
    return found


def statutory_deadlines(group: GroupState) -> list[Finding]:
    """Incidents with a required notification (CQC, safeguarding, RIDDOR, duty of candour) not
    made by its deadline; one alert per incident naming every overdue recipient."""
    found = []
    for home in group.homes:
        for incident_id, incident in sorted(home.dashboard["incidents"].items()):
            overdue = [p for p in notification_progress(incident, group.now) if p["overdue"]]
            if not overdue:
                continue
            ref = incident.get("reference") or incident_id
            whom = ", ".join(RECIPIENTS.get(p["recipient"], p["recipient"]) for p in overdue)
            due = "; ".join(f"{p['recipient']} due {p['due_at']}" for p in overdue)
            found.append(
                finding(
                    "statutory_deadline",
                    incident_id,
                    f"Incident {ref} ({incident['category']}) at {home.name} not notified to {whom}",
                    f"Required notifications past their deadline and not made: {due}.",
                    location_id=home.id,
                    records=[("incidents", incident_id)],
                )
            )
    return found


def complaint_deadlines(group: GroupState) -> list[Finding]:
    """Complaints not acknowledged, or not responded to, by the working-day deadlines fixed on
    them from the tenant's policy (bank holidays excluded); a deadline day itself is in time."""
    found = []
    for home in group.homes:
        for complaint_id, c in sorted(home.dashboard["complaints"].items()):
            ref = c.get("reference") or complaint_id
            late = []
            if c["status"] == "received" and group.today > date.fromisoformat(c["acknowledge_by"]):
                late.append(("acknowledge", "acknowledged", c["acknowledge_by"]))
            if c["status"] in AWAITING_RESPONSE and group.today > date.fromisoformat(
                c["respond_by"]
            ):
                late.append(("respond", "responded to", c["respond_by"]))
            for step, done, by in late:
                found.append(
                    finding(
                        "complaint_deadline",
                        f"{complaint_id}:{step}",
                        f"Complaint {ref} at {home.name} not {done} by {by}",
                        f"The complaint received {c['received_at'][:10]} is {c['status']};"
                        f" it was to be {done} by {by}.",
                        location_id=home.id,
                        records=[("complaints", complaint_id)],
                    )
                )
    return found


def overdue_audits(group: GroupState) -> list[Finding]:
    """Scheduled audits past their due date and not completed (or cancelled)."""
    found = []
    for home in group.homes:
        for audit_id, audit in sorted(home.dashboard["audits"].items()):
            if audit["status"] not in PENDING_AUDIT_STATUSES:
                continue
            if date.fromisoformat(audit["due_date"]) >= group.today:
                continue
            found.append(
                finding(
                    "audit_overdue",
                    audit_id,
                    f"{audit['template_name']} audit at {home.name} overdue"
                    f" (due {audit['due_date']})",
                    f"The audit is {audit['status'].replace('_', ' ')} and was due on"
                    f" {audit['due_date']}.",
                    location_id=home.id,
                    records=[("audits", audit_id)],
                )
            )
    return found
