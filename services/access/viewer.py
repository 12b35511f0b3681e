"""An external viewer's principal for one request: which provider tenant the request is about,
and which of that tenant's homes are granted to the viewer's organisation right now.

The tenant comes from the record in the path (looked up through row-level security bound to
the organisation, so only granted homes' records are found) or from `?location_id=`. Grants are
read on every request, never from the token: a revoked or expired grant stops access at once.
"""

from __future__ import annotations

import dataclasses
from contextlib import AbstractAsyncContextManager
from typing import Any
from uuid import UUID

from eventstore.binding import Binding
from eventstore.connection import bound_transaction
from services.access import binding
from services.kernel.errors import Forbidden

_CURRENT_GRANTS = """
SELECT DISTINCT tenant_id, location_id FROM access_grants
 WHERE organisation_id = $1 AND NOT revoked
   AND valid_from <= now() AND (valid_until IS NULL OR valid_until > now())
 ORDER BY tenant_id, location_id"""

_RECORD = """
SELECT tenant_id, location_id FROM records
 WHERE tenant_id = ANY($1::uuid[]) AND collection = $2 AND record_id = $3"""


async def granted_homes(pool: Any, organisation_id: UUID) -> list[tuple[UUID, UUID]]:
    """(tenant, home) pairs the organisation may read now, read through its own RLS binding."""
    async with _as_organisation(pool, organisation_id) as conn:
        return await _granted(conn, organisation_id)


def _as_organisation(pool: Any, organisation_id: UUID) -> AbstractAsyncContextManager[Any]:
    """A transaction that sees what the organisation was granted, of every provider."""
    return bound_transaction(pool, Binding.external(organisation_id))


async def _granted(conn: Any, organisation_id: UUID) -> list[tuple[UUID, UUID]]:
    rows = await conn.fetch(_CURRENT_GRANTS, organisation_id)
    return [(UUID(str(r["tenant_id"])), UUID(str(r["location_id"]))) for r in rows]


async def external_principal(connection: Any, principal: Any) -> Any:
    """`principal` narrowed to this request: `viewing` the provider tenant it is about (None if
    none is), `location_ids` that tenant's homes granted now; its `binding` then binds every
    read. One transaction: the grants, and the record the path names (if it names one)."""
    slot = binding.current_request()
    if slot.resolved is not None:
        return slot.resolved
    binding.bind_viewer(principal.organisation_id, principal.organisation_kind, principal.user_id)
    pool = connection.app.state.records.store.pool
    async with _as_organisation(pool, principal.organisation_id) as conn:
        homes = await _granted(conn, principal.organisation_id)
        tenant = await _tenant_of_request(conn, connection, homes)
    resolved = dataclasses.replace(
        principal,
        viewing=tenant,
        location_ids=tuple(home for t, home in homes if t == tenant),
    )
    slot.resolved = resolved
    return resolved


async def _tenant_of_request(
    conn: Any, connection: Any, homes: list[tuple[UUID, UUID]]
) -> UUID | None:
    """The provider tenant holding the record in the path, else the home in `?location_id=`,
    among the granted ones; what it shows is noted for the access log."""
    record_id = connection.path_params.get("record_id")
    if isinstance(record_id, UUID):
        collection = _collection_of(connection.url.path, record_id)
        tenants = sorted({t for t, _home in homes})
        row = await conn.fetchrow(_RECORD, tenants, collection, record_id) if tenants else None
        if row is None:
            return None
        tenant = UUID(str(row["tenant_id"]))
        binding.disclose(tenant, [UUID(str(row["location_id"]))], [(collection, record_id)])
        return tenant
    try:
        location_id = UUID(connection.query_params.get("location_id", ""))
    except ValueError:
        return None
    for tenant, home in homes:
        if home == location_id:
            binding.disclose(tenant, [home])
            return tenant
    return None


def _collection_of(path: str, record_id: UUID) -> str:
    """`/api/v1/{collection}/{id}[/...]`: the path segment before the record id."""
    parts = path.strip("/").split("/")
    index = parts.index(str(record_id)) if str(record_id) in parts else 0
    return parts[index - 1] if index > 0 else ""


async def read_only_for_external_viewers(connection: Any, handler: Any) -> None:
    """Router guard: any write by a local authority or regulator user is 403 before its body is
    read (the principal is resolved once per request, so this costs nothing more)."""
    if connection.scope.get("method") in ("GET", "HEAD", "OPTIONS"):
        return
    if "principal" not in handler.parsed_fn_signature.parameters:
        return
    from services.http.principal import current_principal

    if (await current_principal(connection)).external:
        raise Forbidden("local authority and regulator users read granted homes; they never write")
