"""What the detectors need beyond a home's dashboard document: action owners, the people in each
incident, and recent completed audits' answers (which questions failed or were N/A, of the
question set the audit asked), ids only, no personal data (question texts and statements are
read from the audit templates). One document per home, read with home_dashboard's.

Kept bounded like the dashboard document: the answers of the last AUDITS_KEPT_PER_TEMPLATE
completed audits of each template, and the people of incidents that occurred within
INCIDENTS_KEPT_DAYS of the event being folded (so a replay gives the same document).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from eventstore import RecordedEvent
from projections.projection import Document, Projection
from services.actions import events as actions
from services.audits import events as audits
from services.audits.events import Answer
from services.audits.template_events import Question
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
    audits.AuditCancelled,
)
_REGISTRY = EventRegistry()
_REGISTRY.add(*_TYPES)


def empty(location_id: str) -> Document:
    return {
        "location_id": location_id,
        "owners": {},
        "people": {},
        "pending": {},
        "question_sets": {},
        "answers": {},
        "last_seq": 0,
    }


def evolve(document: Document | None, event: RecordedEvent) -> Document:
    """Fold one event into its home's document; events at or below `last_seq` change nothing.
    Copy on write: only the sections the event changes are copied."""
    current = document or empty(str(event.location_id))
    if event.seq <= current["last_seq"]:
        return current
    doc = {**current, "last_seq": event.seq}
    record_id = str(event.stream_id)
    match _REGISTRY.decode(event).event:
        case actions.ActionRaised(owner_id=owner) | actions.ActionReassigned(owner_id=owner):
            doc["owners"] = {**current["owners"], record_id: str(owner)}
        case incidents.IncidentReported(people_involved=people, occurred_at=occurred) if people:
            seen = {"at": _utc(occurred), "ids": [str(p) for p in people]}
            doc["people"] = _recent_people(
                {**current["people"], record_id: seen}, event.recorded_at
            )
        case audits.AuditScheduled(questions=questions):
            _scheduled(doc, record_id, questions)
        case audits.AuditCompleted(answers=answers, template_id=template, completed_at=at):
            _completed(doc, record_id, answers, str(template), _utc(at))
        case audits.AuditCancelled():
            doc["pending"] = {a: p for a, p in current["pending"].items() if a != record_id}
    return doc


def _scheduled(doc: Document, audit_id: str, questions: tuple[Question, ...]) -> None:
    """Remember which questions the audit asks (each distinct set stored once per home)."""
    ids = sorted(str(q.id) for q in questions)
    key = hashlib.sha256(",".join(ids).encode()).hexdigest()[:12]
    if key not in doc["question_sets"]:
        doc["question_sets"] = {**doc["question_sets"], key: ids}
    doc["pending"] = {**doc["pending"], audit_id: key}


def _completed(
    doc: Document, audit_id: str, answers: tuple[Answer, ...], template: str, at: str
) -> None:
    """Keep the failed and N/A questions: the rest of the audit's set was answered yes."""
    key = doc["pending"].get(audit_id)
    doc["pending"] = {a: k for a, k in doc["pending"].items() if a != audit_id}
    failed = sorted(str(a.question_id) for a in answers if a.answer == "no")
    skipped = sorted(str(a.question_id) for a in answers if a.answer == "na")
    done = {"template": template, "at": at, "set": key, "no": failed, "na": skipped}
    doc["answers"] = _latest_per_template({**doc["answers"], audit_id: done})
    used = {a["set"] for a in doc["answers"].values()} | set(doc["pending"].values())
    doc["question_sets"] = {k: v for k, v in doc["question_sets"].items() if k in used}


def answers_of(facts: Document, audit_id: str) -> dict[str, str]:
    """Question id → "yes" / "no" / "na" for a completed audit the document still keeps."""
    done = facts["answers"].get(audit_id)
    if done is None:
        return {}
    asked = facts["question_sets"].get(done["set"]) or [*done["no"], *done["na"]]
    answers = dict.fromkeys(asked, "yes")
    answers.update(dict.fromkeys(done["na"], "na"))
    answers.update(dict.fromkeys(done["no"], "no"))
    return answers


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
    version=3,
    handles=frozenset(t.type_name() for t in _TYPES),
    document_ids=lambda e: (str(e.location_id),) if e.location_id is not None else (),
    evolve=evolve,
)
