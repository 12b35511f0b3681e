"""Where a record lives in the API: the prefix every route is under, and a record's URL."""

from __future__ import annotations

from uuid import UUID

API_BASE = "/api/v1"


def record_link(collection: str, record_id: UUID) -> str:
    return f"{API_BASE}/{collection}/{record_id}"
