"""What the detectors need beyond a home's dashboard document: action owners, the people in each
incident, and every completed audit's answer to each question (ids and answers only, no
personal data). One document per home; the detectors read it with home_dashboard's.
"""

from __future__ import annotations

import copy

from eventstore import RecordedEvent
from projections.projection import Document, Projection
from services.actions import events as actions
from services.audits import events as audits
from services.incidents import events as incidents
from services.kernel.events import Event, EventRegistry

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
    """Fold one event into its home's document; events at or below `last_seq` change nothing."""
    current = document or empty(str(event.location_id))
    if event.seq <= current["last_seq"]:
        return current
    doc = copy.deepcopy(current)
    record_id = str(event.stream_id)
    match _REGISTRY.decode(event).event:
        case actions.ActionRaised(owner_id=owner) | actions.ActionReassigned(owner_id=owner):
            doc["owners"][record_id] = str(owner)
        case incidents.IncidentReported(people_involved=people):
            doc["people"][record_id] = [str(p) for p in people]
        case audits.AuditScheduled(questions=questions):
            for q in questions:
                doc["questions"][str(q.id)] = {"statement": q.quality_statement, "text": q.text}
        case audits.AuditCompleted(answers=answers):
            doc["answers"][record_id] = {str(a.question_id): a.answer for a in answers}
    doc["last_seq"] = event.seq
    return doc


DETECTOR_FACTS = Projection(
    name="detector_facts",
    version=1,
    handles=frozenset(t.type_name() for t in _TYPES),
    document_ids=lambda e: (str(e.location_id),) if e.location_id is not None else (),
    evolve=evolve,
)
