"""Which record collection a stream type belongs to, from every context's declared RecordApi."""

from __future__ import annotations

from functools import cache

from services import catalog
from services.alerts.decide import DECIDER as ALERTS  # records of their own, not POSTed


@cache
def _collections() -> dict[str, str]:
    found = {api.decider.stream_type: api.decider.collection for api in catalog.RECORD_APIS}
    return {**found, ALERTS.stream_type: ALERTS.collection}


def collection_of(stream_type: str) -> str:
    """The record collection of a stream type (the stream type itself if no API serves it)."""
    return _collections().get(stream_type, stream_type)
