"""Which tenants there are: the provider groups. The one listing that every walk over tenants
reads (the projection sweep, detectors, escalation, alert deliveries, signed heads).

A tenant is a provider group: its log holds care records, and its id is the tenant id every row
carries. Local authorities and the regulator are organisations too (`organisations`, with their
own users), but they own no care records, so nothing is projected, detected, delivered or signed
for them. `organisations` has no row-level security (it holds names and kinds, no tenant rows);
`tenant_heads` does, forced even on its owner, so tenants are not listed from there.
"""

from __future__ import annotations

from uuid import UUID

from eventstore.connection import ConnectionSource, raw_connection

_PROVIDERS = (
    "SELECT organisation_id FROM organisations WHERE kind = 'provider' ORDER BY organisation_id"
)


async def provider_tenants(source: ConnectionSource) -> list[UUID]:
    """Every provider group's tenant id, in a stable order."""
    async with raw_connection(source) as conn:
        rows = await conn.fetch(_PROVIDERS)
    return [UUID(str(row["organisation_id"])) for row in rows]
