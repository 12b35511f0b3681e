"""How many records and events each home (and the group as a whole) has, per record type."""

from __future__ import annotations

from eventstore import RecordedEvent
from projections.projection import EVERY_EVENT_TYPE, Document, Projection

#: The document key for events that concern no one home (group settings, users, templates).
GROUP_WIDE = "group"


def document_id(event: RecordedEvent) -> str:
    """One document per home (or the group) and stream type: `<location id|group>:<type>`."""
    return f"{event.location_id or GROUP_WIDE}:{event.stream_type}"


def evolve(document: Document | None, event: RecordedEvent) -> Document:
    """Count the event, and the record too when this is its first event (version 1). A record
    is counted at the home it was created at. Events at or below the document's `last_seq`
    were counted already, so replaying them changes nothing."""
    counts = document or {
        "location_id": str(event.location_id) if event.location_id else None,
        "stream_type": event.stream_type,
        "records": 0,
        "events": 0,
        "last_seq": 0,
    }
    if event.seq <= counts["last_seq"]:
        return counts
    return {
        **counts,
        "records": counts["records"] + (1 if event.version == 1 else 0),
        "events": counts["events"] + 1,
        "last_seq": event.seq,
    }


RECORD_COUNTS = Projection(
    name="record_counts",
    version=1,
    handles=EVERY_EVENT_TYPE,
    document_ids=lambda event: (document_id(event),),
    evolve=evolve,
)
