"""Which homes a view covers: one visible home, or every home the caller may see."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from services.http.principal import Principal
from services.kernel.errors import RecordNotFound
from services.kernel.handling import Records


async def homes_in_view(
    records: Records, principal: Principal, location_id: UUID | None
) -> Sequence[UUID] | None:
    """[location_id] if the caller may see that home (404 as if missing otherwise); without
    one, the caller's scope (None: every home of the group)."""
    if location_id is None:
        return principal.scope
    found = await records.find(
        principal.tenant_id, "locations", location_id, binding=principal.binding
    )
    if found is None:
        raise RecordNotFound("locations", location_id)
    principal.require_location(location_id, "locations", location_id)
    return [location_id]
