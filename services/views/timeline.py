"""`GET /locations/{id}/timeline`: everything that happened at a home, in the order it was recorded.

Design: read straight from the event log, not from a projection. The log already holds exactly
this view, ordered by `seq`, and `events_location_idx (tenant_id, location_id, seq)` serves the
query; a projection would copy every event into one ever-growing document per home (rewritten on
each event) and could only lag behind the log. Reading the log is therefore simpler and always
current. Entries carry only non-personal fields: no event data, no personal column.
(No `from __future__ import annotations`: Litestar reads these handlers' annotations.)"""

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from eventstore import RecordedEvent
from services.http.links import record_link
from services.http.principal import Principal
from services.http.problems import problem_responses
from services.http.records import visible_record
from services.kernel.handling import Records
from services.views.freshness import up_to_date
from services.views.home_events import events_at_homes
from services.views.links import collection_of

MAX_ENTRIES = 1000
#: When the event says it happened, in order of preference: the business time of the change.
_BUSINESS_TIMES = ("occurred_at", "received_at", "raised_at", "completed_at", "verified_at")


class TimelineEntry(msgspec.Struct, frozen=True, kw_only=True):
    seq: int
    recorded_at: datetime
    business_time: str | None
    collection: str
    record_id: UUID
    record_version: int
    link: str
    event_type: str
    actor: str | None


class Timeline(msgspec.Struct, frozen=True, kw_only=True):
    location_id: UUID
    entries: list[TimelineEntry]
    #: Pass as `after_seq` for the next entries; None when this page reached the end.
    next_after_seq: int | None


def business_time(data: Mapping[str, Any]) -> str | None:
    """The record's own time of this change where the event has one (the demo and imports
    record changes later than they happened); otherwise None and recorded_at stands."""
    for key in _BUSINESS_TIMES:
        if isinstance(data.get(key), str):
            return str(data[key])
    stamps = sorted(k for k, v in data.items() if k.endswith("_at") and isinstance(v, str))
    return str(data[stamps[0]]) if stamps else None


def timeline_entry(event: RecordedEvent, collection_for: Callable[[str], str]) -> TimelineEntry:
    collection = collection_for(event.stream_type)
    actor = event.metadata.get("actor")
    return TimelineEntry(
        seq=event.seq,
        recorded_at=event.recorded_at,
        business_time=None if event.redacted else business_time(event.data),
        collection=collection,
        record_id=event.stream_id,
        record_version=event.version,
        link=record_link(collection, event.stream_id),
        event_type=event.type,
        actor=str(actor) if actor else None,
    )


@get(
    "/locations/{record_id:uuid}/timeline",
    tags=["views"],
    summary="Everything that happened at a home, in recorded order (recorded_at within from/to)",
    operation_id="location_timeline",
    responses=problem_responses(400, 401, 404, 503),
    guards=[visible_record("locations")],
)
async def location_timeline(
    record_id: FromPath[UUID],
    request: Request,
    principal: NamedDependency[Principal],
    records: NamedDependency[Records],
    date_from: Annotated[datetime | None, QueryParameter(name="from")] = None,
    date_to: Annotated[datetime | None, QueryParameter(name="to")] = None,
    after_seq: Annotated[int, QueryParameter(ge=0)] = 0,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_ENTRIES)] = 500,
) -> Timeline:
    await up_to_date(request, principal.tenant_id)
    events = await events_at_homes(
        records.store,
        principal.tenant_id,
        [record_id],
        recorded_from=date_from,
        recorded_to=date_to,
        after_seq=after_seq,
        limit=limit,
        binding=principal.binding,
    )
    entries = [timeline_entry(e, collection_of) for e in events]
    more = len(entries) == limit
    return Timeline(
        location_id=record_id,
        entries=entries,
        next_after_seq=entries[-1].seq if more and entries else None,
    )
