"""What the detectors need beyond a home's dashboard document: action owners, the people in each
incident, and recent completed audits' answer to each question (ids and answers only, no
personal data). One document per home; the detectors read it with home_dashboard's.

Kept bounded like the dashboard document: the answers of the last AUDITS_KEPT_PER_TEMPLATE
completed audits of each template, and the people of incidents that occurred within
INCIDENTS_KEPT_DAYS of the event being folded (so a replay gives the same document).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from eventstore import RecordedEvent
from projections.projection import Document, Projection
from services.actions import events as actions
from services.audits import events as audits
from services.incidents import events as incidents
from services.kernel.events import Event, EventRegistry

AUDITS_KEPT_PER_TEMPLATE = 12
INCIDENTS_KEPT_DAYS = 400

_TYPES: tuple[type[Event], ...] = (
    actions.ActionRaised,
    actions.ActionReassigned,
    incidents.IncidentReported,
    audits.AuditScheduled,
    audits.AuditCompleted,
)
_REGISTRY = EventRegistry()
_REGISTRY.add(*_TYPES)


def empty(location_id: str) -> Document:
    return {
        "location_id": location_id,
        "owners": {},
        "people": {},
        "answers": {},
        "questions": {},
        "last_seq": 0,
    }


def evolve(document: Document | None, event: RecordedEvent) -> Document:
    """Fold one event into its home's document; events at or below `last_seq` change nothing.
    Copy on write: only the section the event changes is copied."""
    current = document or empty(str(event.location_id))
    if event.seq <= current["last_seq"]:
        return current
    doc = {**current, "last_seq": event.seq}
    record_id = str(event.stream_id)
    match _REGISTRY.decode(event).event:
        case actions.ActionRaised(owner_id=owner) | actions.ActionReassigned(owner_id=owner):
            doc["owners"] = {**current["owners"], record_id: str(owner)}
        case incidents.IncidentReported(people_involved=people, occurred_at=occurred):
            doc["people"] = _recent_people(
                {
                    **current["people"],
                    record_id: {"at": _utc(occurred), "ids": [str(p) for p in people]},
                },
                event.recorded_at,
            )
        case audits.AuditScheduled(questions=questions):
            doc["questions"] = {
                **current["questions"],
                **{
                    str(q.id): {"statement": q.quality_statement, "text": q.text} for q in questions
                },
            }
        case audits.AuditCompleted(answers=answers, template_id=template, completed_at=at):
            completed = {
                "template": str(template),
                "at": _utc(at),
                "answers": {str(a.question_id): a.answer for a in answers},
            }
            doc["answers"] = _latest_per_template({**current["answers"], record_id: completed})
    return doc


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _recent_people(people: dict[str, dict[str, Any]], now: datetime) -> dict[str, dict[str, Any]]:
    since = now - timedelta(days=INCIDENTS_KEPT_DAYS)
    return {i: p for i, p in people.items() if datetime.fromisoformat(str(p["at"])) >= since}


def _latest_per_template(answers: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    by_template: dict[str, list[tuple[datetime, str]]] = {}
    for audit_id, audit in answers.items():
        at = datetime.fromisoformat(str(audit["at"]))
        by_template.setdefault(str(audit["template"]), []).append((at, audit_id))
    kept = {
        a for found in by_template.values() for _, a in sorted(found)[-AUDITS_KEPT_PER_TEMPLATE:]
    }
    return {a: audit for a, audit in answers.items() if a in kept}


DETECTOR_FACTS = Projection(
    name="detector_facts",
    version=2,
    handles=frozenset(t.type_name() for t in _TYPES),
    document_ids=lambda e: (str(e.location_id),) if e.location_id is not None else (),
    evolve=evolve,
)
