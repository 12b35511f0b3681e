"""Where a record lives in the API: its collection (from its stream type) and its URL."""

from __future__ import annotations

from functools import cache
from uuid import UUID

API_BASE = "/api/v1"


@cache
def _collections() -> dict[str, str]:
    # Imported here: the catalog imports the views' handlers, so this cannot be a module import.
    from services import catalog

    return {api.decider.stream_type: api.decider.collection for api in catalog.RECORD_APIS}


def collection_of(stream_type: str) -> str:
    """The record collection of a stream type (the stream type itself if no API serves it)."""
    return _collections().get(stream_type, stream_type)


def record_link(collection: str, record_id: UUID) -> str:
    return f"{API_BASE}/{collection}/{record_id}"
