"""Which records are evidence for a quality statement, by the framework's evidence category:
a pure fold of a home's events, shared by `GET /evidence` (services/views/evidence.py) and the
evidence pack's summary (services/trail/summary.py).

Audits → "processes": an audit whose questions map to the statement, with how many of those
questions it asked, how many were answered, and which failed (its findings); improvement
actions → "outcomes": an action raised for the statement.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

import msgspec

from eventstore import RecordedEvent
from services.http.links import record_link

AUDITS_CATEGORY, ACTIONS_CATEGORY = "processes", "outcomes"
EVIDENCE_EVENT_TYPES = ("ActionRaised", "AuditScheduled", "AuditCompleted", "AuditCancelled")


class EvidenceItem(msgspec.Struct, kw_only=True):
    collection: str
    id: UUID
    location_id: UUID | None
    title: str
    reference: str | None = None
    status: str | None = None
    questions: int | None = None
    answered: int | None = None
    failed_question_ids: list[UUID] | None = None
    score: float | None = None
    rag: str | None = None
    completed_at: str | None = None
    link: str


def _location(event: RecordedEvent) -> UUID | None:
    return event.location_id


def evidence_for(events: Iterable[RecordedEvent], statement: str) -> dict[str, list[EvidenceItem]]:
    """The records these events map to `statement`, by evidence category id, in `seq` order.
    Pure and idempotent over a replay: each record is one item, keyed by its stream id."""
    audits: dict[UUID, EvidenceItem] = {}
    asked: dict[UUID, set[str]] = {}
    actions: dict[UUID, EvidenceItem] = {}
    for event in events:
        data: dict[str, Any] = event.data
        record_id = event.stream_id
        if event.type == "ActionRaised" and statement in data.get("quality_statements", ()):
            actions[record_id] = EvidenceItem(
                collection="actions",
                id=event.stream_id,
                location_id=_location(event),
                title=str(data.get("title", "")),
                reference=data.get("reference"),
                link=record_link("actions", event.stream_id),
            )
        elif event.type == "AuditScheduled":
            mapped = {
                str(q["id"])
                for q in data.get("questions", ())
                if q.get("quality_statement") == statement
            }
            if mapped:
                asked[record_id] = mapped
                audits[record_id] = EvidenceItem(
                    collection="audits",
                    id=record_id,
                    location_id=_location(event),
                    title=str(data.get("template_name", "")),
                    status="scheduled",
                    questions=len(mapped),
                    answered=0,
                    failed_question_ids=[],
                    link=record_link("audits", record_id),
                )
        elif event.type == "AuditCompleted" and record_id in audits:
            item, mapped = audits[record_id], asked[record_id]
            answers = [a for a in data.get("answers", ()) if str(a["question_id"]) in mapped]
            item.status = "completed"
            item.answered = sum(1 for a in answers if a.get("answer") != "na")
            item.failed_question_ids = [
                UUID(str(f["question_id"]))
                for f in data.get("findings", ())
                if f.get("quality_statement") == statement
            ]
            item.score, item.rag = data.get("score"), data.get("rag")
            item.completed_at = data.get("completed_at")
        elif event.type == "AuditCancelled" and record_id in audits:
            audits[record_id].status = "cancelled"
    return {AUDITS_CATEGORY: list(audits.values()), ACTIONS_CATEGORY: list(actions.values())}
