"""One document per record (action, incident, complaint, audit) with the facts a dashboard shows
of it, for as long as the record exists: where the home_dashboard document finds a record it let
go of (closed long ago) when that record comes back (reopened, or an old incident amended).

The per-record folds here are shared with projections/home_dashboard.py, which keeps only the
records a home's dashboard needs now.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from eventstore import RecordedEvent
from projections.projection import Document, Projection
from services.actions import events as actions
from services.audits import events as audits
from services.complaints import events as complaints
from services.incidents import events as incidents
from services.kernel.events import Event, EventRegistry

#: Event type → the document section (and record kind) it belongs to.
KIND_OF: dict[type[Event], str] = {
    **{t: "actions" for t in actions.ACTION_EVENTS},
    **{t: "incidents" for t in incidents.EVENTS},
    **{t: "complaints" for t in complaints.COMPLAINT_EVENTS},
    **{t: "audits" for t in audits.AUDIT_EVENTS},
}
#: The events that create a record.
CREATIONS = (
    actions.ActionRaised,
    incidents.IncidentReported,
    complaints.ComplaintReceived,
    audits.AuditScheduled,
)
REGISTRY = EventRegistry()
REGISTRY.add(*KIND_OF)
HANDLED = frozenset(t.type_name() for t in KIND_OF)


def apply_to_record(
    kind: str, record: dict[str, Any] | None, record_id: str, event: Event
) -> dict[str, Any] | None:
    """The record's facts after `event` (a new dict: `record` is not changed); None while the
    record has not been created."""
    found = {record_id: _copied(record)} if record is not None else {}
    _FOLDS[kind](found, record_id, event)
    return found.get(record_id)


_ACTION_STATUS: dict[type[Event], str] = {
    actions.ActionOpened: "open",
    actions.ActionStarted: "in_progress",
    actions.ActionCompleted: "completed",
    actions.ActionVerified: "verified",
    actions.ActionReopened: "open",
    actions.ActionCancelled: "cancelled",
}


def _action(found: dict[str, Any], record_id: str, event: Event) -> None:
    if isinstance(event, actions.ActionRaised):
        found[record_id] = {
            "reference": event.reference,
            "status": "draft" if event.draft else "open",
            "priority": event.priority,
            "due_date": event.due_date.isoformat(),
        }
        return
    action = found.get(record_id)
    if action is None:
        return
    if type(event) in _ACTION_STATUS:
        action["status"] = _ACTION_STATUS[type(event)]
    elif isinstance(event, actions.ActionRedated):
        action["due_date"] = event.due_date.isoformat()
    elif isinstance(event, actions.ActionProgressNoted) and action["status"] == "open":
        action["status"] = "in_progress"


def _required(required: tuple[incidents.RequiredNotification, ...]) -> list[dict[str, Any]]:
    return [{"recipient": r.recipient, "due_at": r.due_at.isoformat()} for r in required]


def _earliest(times: dict[str, str], key: str, at: str) -> None:
    if key not in times or at < times[key]:
        times[key] = at


def _incident(found: dict[str, Any], record_id: str, event: Event) -> None:
    if isinstance(event, incidents.IncidentReported):
        found[record_id] = {
            "reference": event.reference,
            "category": event.category,
            "severity": event.severity,
            "occurred_at": event.occurred_at.isoformat(),
            "status": "open",
            "required": _required(event.required_notifications),
            "notified": {},
            "candour": {},
        }
        return
    incident = found.get(record_id)
    if incident is None:
        return
    match event:
        case incidents.IncidentNotified(recipient=recipient, notified_at=at):
            _earliest(incident["notified"], recipient, _utc(at))
        case incidents.IncidentCandourStepRecorded(step=step, done_at=at):
            _earliest(incident["candour"], step, _utc(at))
        case incidents.IncidentAmended():
            incident.update(
                category=event.category,
                severity=event.severity,
                required=_required(event.required_notifications),
            )
        case incidents.IncidentClosed():
            incident["status"] = "closed"
        case incidents.IncidentReopened():
            incident["status"] = "open"


def _complaint(found: dict[str, Any], record_id: str, event: Event) -> None:
    if isinstance(event, complaints.ComplaintReceived):
        found[record_id] = {
            "reference": event.reference,
            "status": "received",
            "received_at": event.received_at.isoformat(),
            "acknowledge_by": event.acknowledge_by.isoformat(),
            "respond_by": event.respond_by.isoformat(),
            "investigated": False,
            "closed_at": None,
        }
        return
    complaint = found.get(record_id)
    if complaint is None:
        return
    match event:
        case complaints.ComplaintAcknowledged():
            complaint["status"] = "acknowledged"
        case complaints.ComplaintInvestigationStarted():
            complaint.update(status="investigating", investigated=True)
        case complaints.ComplaintResponded():
            complaint["status"] = "responded"
        case complaints.ComplaintResponseDeadlineExtended(new_respond_by=respond_by):
            complaint["respond_by"] = respond_by.isoformat()
        case complaints.ComplaintClosed(closed_at=at):
            complaint.update(status="closed", closed_at=at.isoformat())
        case complaints.ComplaintEscalated():
            complaint["status"] = "escalated"
        case complaints.ComplaintReopened(respond_by=respond_by):
            status = "investigating" if complaint["investigated"] else "acknowledged"
            complaint.update(status=status, respond_by=respond_by.isoformat(), closed_at=None)


def _audit(found: dict[str, Any], record_id: str, event: Event) -> None:
    if isinstance(event, audits.AuditScheduled):
        found[record_id] = {
            "status": "scheduled",
            "due_date": event.due_date.isoformat(),
            "template_id": str(event.template_id),
            "template_name": event.template_name,
            "framework": event.framework,
            "green_at": event.green_at,
            "amber_at": event.amber_at,
            "questions": {str(q.id): q.quality_statement for q in event.questions},
        }
        return
    audit = found.get(record_id)
    if audit is None:
        return
    match event:
        case audits.AuditStarted():
            audit["status"] = "in_progress"
        case audits.AuditCompleted():
            audit.update(
                status="completed",
                completed_at=event.completed_at.isoformat(),
                score=event.score,
                rag=event.rag,
                statements=_statement_answers(audit.pop("questions"), event.answers),
            )
        case audits.AuditCancelled():
            audit["status"] = "cancelled"
            audit.pop("questions", None)


def _statement_answers(
    questions: dict[str, str], answers: tuple[audits.Answer, ...]
) -> dict[str, dict[str, int]]:
    """Quality statement → how many of its questions were answered yes and no (N/A left out)."""
    tally: dict[str, dict[str, int]] = {}
    for answer in answers:
        statement = questions.get(str(answer.question_id))
        if statement is None or answer.answer == "na":
            continue
        counts = tally.setdefault(statement, {"yes": 0, "no": 0})
        counts[answer.answer] += 1
    return tally


def _utc(moment: datetime) -> str:
    """A sortable text form of an aware moment (UTC), so the earliest compares lowest."""
    return moment.astimezone(UTC).isoformat()


def _copied(record: dict[str, Any]) -> dict[str, Any]:
    """A copy the folds may change: they change a record's own keys and, one level down, the
    `notified` and `candour` maps; lists are replaced, never changed in place. (Much cheaper
    than a deep copy, on every event of a rebuild.)"""
    return {k: dict(v) if type(v) is dict else v for k, v in record.items()}


_FOLDS = {"actions": _action, "incidents": _incident, "complaints": _complaint, "audits": _audit}


def evolve(document: Document | None, event: RecordedEvent) -> Document | None:
    """Fold one event into its record's document; replaying an applied event changes nothing."""
    if document is not None and event.seq <= document["last_seq"]:
        return document
    typed = REGISTRY.decode(event).event
    kind = KIND_OF[type(typed)]
    before = document["record"] if document is not None else None
    record = apply_to_record(kind, before, str(event.stream_id), typed)
    if record is None:
        return document
    location = str(event.location_id) if event.location_id is not None else None
    return {"kind": kind, "location_id": location, "record": record, "last_seq": event.seq}


HOME_RECORDS = Projection(
    name="home_records",
    version=1,
    handles=HANDLED,
    document_ids=lambda event: (str(event.stream_id),),
    evolve=evolve,
)
