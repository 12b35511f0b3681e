"""Alerts as the records index lists them: by status, kind and home, and the open ones per home.

The index row of an alert moves with its events in the same transaction (services/kernel), so
these reads never lag the log. A group-level alert (no home of its own) counts for every home
in its summary's `location_ids`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventstore.binding import Binding
from eventstore.connection import bound_transaction, tenant_transaction
from services.kernel import index
from services.kernel.index import IndexedRecord

_COLUMNS = (
    "record_id, location_id, status, reference, key_date, version, summary::text AS summary,"
    " created_at, updated_at"
)


@dataclass(frozen=True, slots=True)
class AlertQuery:
    status: str | None = None
    kind: str | None = None
    location_id: UUID | None = None
    #: None: every home; otherwise alerts of these homes (own or among `location_ids`).
    within_locations: Sequence[UUID] | None = None
    cursor: str | None = None
    limit: int = 50


def _visible_sql(first: int) -> str:
    """Alerts of a home ($first) or of any of a list of homes ($first + 1), own or concerned."""
    home, homes = f"${first}", f"${first + 1}"
    return (
        f" AND ({home}::uuid IS NULL OR location_id = {home}"
        f" OR summary->'location_ids' ? {home}::text)"
        f" AND ({homes}::uuid[] IS NULL OR location_id = ANY({homes})"
        f" OR summary->'location_ids' ?| {homes}::text[])"
    )


async def list_alerts(
    pool: Any, tenant_id: UUID, query: AlertQuery, *, binding: Binding
) -> tuple[list[IndexedRecord], str | None]:
    """One page in creation order (oldest first, like every collection) and the next cursor."""
    after_time, after_id = index._decode_cursor(query.cursor) if query.cursor else (None, None)
    homes = list(query.within_locations) if query.within_locations is not None else None
    async with bound_transaction(pool, binding) as conn:
        rows = await conn.fetch(
            f"SELECT {_COLUMNS} FROM records WHERE tenant_id = $1 AND collection = 'alerts'"
            " AND ($2::text IS NULL OR status = $2)"
            " AND ($3::text IS NULL OR summary->>'kind' = $3)"
            + _visible_sql(4)
            + " AND ($6::timestamptz IS NULL OR (created_at, record_id) > ($6, $7::uuid))"
            " ORDER BY created_at, record_id LIMIT $8",
            tenant_id,
            query.status,
            query.kind,
            query.location_id,
            homes,
            after_time,
            after_id,
            query.limit + 1,
        )
    page = [index._indexed(r) for r in rows[: query.limit]]
    more = len(rows) > query.limit and page
    cursor = index._encode_cursor(page[-1].created_at, page[-1].record_id) if more else None
    return page, cursor


async def unresolved(pool: Any, tenant_id: UUID) -> list[IndexedRecord]:
    """Every alert of the tenant not yet resolved, and every one resolved by hand while its
    condition still held (the sweep must see those too)."""
    async with tenant_transaction(pool, tenant_id) as conn:
        rows = await conn.fetch(
            f"SELECT {_COLUMNS} FROM records WHERE tenant_id = $1 AND collection = 'alerts'"
            " AND (status <> 'resolved' OR (summary->>'suppressed')::boolean)",
            tenant_id,
        )
    return [index._indexed(r) for r in rows]


async def open_concerning(
    pool: Any, tenant_id: UUID, homes: Sequence[str] | None, *, binding: Binding
) -> list[IndexedRecord]:
    """The alerts not yet resolved of these homes (own or concerned; None: every home): what a
    dashboard counts, without reading the rest of the tenant's alerts on every request."""
    ids = None if homes is None else [UUID(h) for h in homes]
    async with bound_transaction(pool, binding) as conn:
        rows = await conn.fetch(
            f"SELECT {_COLUMNS} FROM records WHERE tenant_id = $1 AND collection = 'alerts'"
            " AND status <> 'resolved'" + _visible_sql(2),
            tenant_id,
            None,
            ids,
        )
    return [index._indexed(r) for r in rows]


def open_by_home(alerts: Sequence[IndexedRecord]) -> dict[str, list[str]]:
    """Home id → ids of its alerts not yet resolved (a group-level alert counts for each home
    it concerns)."""
    by_home: dict[str, list[str]] = {}
    for alert in alerts:
        if alert.status == "resolved":
            continue
        homes = set(alert.summary.get("location_ids", []))
        if alert.location_id is not None:
            homes.add(str(alert.location_id))
        for home in homes:
            by_home.setdefault(home, []).append(str(alert.record_id))
    return by_home


async def records_behind(
    pool: Any, tenant_id: UUID, refs: Sequence[Any], *, binding: Binding
) -> dict[str, Any]:
    """`collection/id` → the index row of each record behind an alert (absent if unknown)."""
    if not refs:
        return {}
    async with bound_transaction(pool, binding) as conn:
        rows = await conn.fetch(
            "SELECT collection, record_id, location_id, status, reference, key_date FROM records"
            " WHERE tenant_id = $1 AND record_id = ANY($2::uuid[])",
            tenant_id,
            [r.id for r in refs],
        )
    return {f"{r['collection']}/{r['record_id']}": dict(r) for r in rows}
