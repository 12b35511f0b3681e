"""Recurring incidents: the same category at one home, or incidents of one person, beyond a
count within a window (3 in 7 days; 3 in 30 days for a person). Pure."""

from __future__ import annotations

from datetime import datetime, timedelta

from services.alerts.settings import setting
from workers.detectors.model import Finding, GroupState, finding, moment


def recurring_incidents(group: GroupState) -> list[Finding]:
    """Windows end now. A person's incidents that a home-and-category alert already covers
    entirely are not alerted twice."""
    home_count = setting(group.settings, "alerts.recurring_home_count")
    home_since = group.now - timedelta(days=setting(group.settings, "alerts.recurring_home_days"))
    person_count = setting(group.settings, "alerts.recurring_person_count")
    person_days = setting(group.settings, "alerts.recurring_person_days")
    person_since = group.now - timedelta(days=person_days)
    found: list[Finding] = []
    by_person: dict[str, list[tuple[datetime, str, str]]] = {}  # person → (when, home, id)
    for home in group.homes:
        by_category: dict[str, list[str]] = {}
        for incident_id, incident in sorted(home.dashboard["incidents"].items()):
            occurred = moment(incident["occurred_at"])
            if home_since < occurred <= group.now:
                by_category.setdefault(incident["category"], []).append(incident_id)
            if person_since < occurred <= group.now:
                for person in home.facts["people"].get(incident_id, {}).get("ids", ()):
                    by_person.setdefault(person, []).append((occurred, home.id, incident_id))
        for category, ids in sorted(by_category.items()):
            if len(ids) >= max(1, home_count):
                found.append(
                    finding(
                        "recurring_incident",
                        f"{home.id}:{category}",
                        f"{len(ids)} {category.replace('_', ' ')} incidents at {home.name}"
                        f" in {setting(group.settings, 'alerts.recurring_home_days')} days",
                        f"Threshold: {home_count} of the same category at one home.",
                        location_id=home.id,
                        records=[("incidents", i) for i in ids],
                    )
                )
    covered = [set(f.records) for f in found]
    for person, seen in sorted(by_person.items()):
        seen.sort()
        records = {("incidents", i) for _, _, i in seen}
        if len(records) < max(1, person_count) or any(records <= c for c in covered):
            continue
        homes = tuple(h for _, h, _ in seen)
        found.append(
            finding(
                "recurring_incident",
                f"person:{person}",
                f"{len(records)} incidents involving one person in {person_days} days",
                f"Person {person} was involved in {len(records)} incidents"
                f" (threshold {person_count}).",
                location_id=seen[-1][1],
                location_ids=homes,
                records=records,
            )
        )
    return found
