"""Where a record lives in the API: its collection (from its stream type) and its URL."""

from __future__ import annotations

from functools import cache
from uuid import UUID

API_BASE = "/api/v1"


@cache
def _collections() -> dict[str, str]:
    # Imported here: the catalog imports the views' handlers, so this cannot be a module import.
    from services import catalog
    from services.alerts.decide import DECIDER as ALERTS  # records of their own, not POSTed

    found = {api.decider.stream_type: api.decider.collection for api in catalog.RECORD_APIS}
    return {**found, ALERTS.stream_type: ALERTS.collection}


def collection_of(stream_type: str) -> str:
    """The record collection of a stream type (the stream type itself if no API serves it)."""
    return _collections().get(stream_type, stream_type)


def record_link(collection: str, record_id: UUID) -> str:
    return f"{API_BASE}/{collection}/{record_id}"
