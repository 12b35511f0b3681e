"""The access log: every response an external viewer received, as an `ExternalRecordsRead`
event in the log of the provider whose data it showed, and `GET /access-log` to read it.

Recorded synchronously, before the response starts (services/access/middleware.py): a read
that cannot be logged is not served. The append commits with `synchronous_commit = off` for
that one transaction: the event is in the chain, visible and ordered before the viewer sees a
byte, but the read does not wait for the WAL flush (measured: +5 ms per external read over a
provider's instead of +13 ms). The price is PostgreSQL's asynchronous-commit window: a
database crash in the next ~0.6 s (3 x wal_writer_delay) can lose the newest log events, never
reorder them or break the chain. Appends of one tenant are serialised by its head lock.
(No `from __future__ import annotations`: Litestar reads the handler's annotations.)"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID, uuid4

import msgspec
import structlog
from litestar import get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from eventstore import EventStore, StreamRef
from eventstore.connection import raw_connection, tenant_transaction
from services.access.binding import ExternalRequest
from services.access.events import ACCESS_LOG_STREAM_TYPE, ExternalRecordsRead, ReadRecord
from services.http.principal import Principal
from services.http.problems import problem_responses
from services.kernel.errors import Forbidden
from services.kernel.events import to_new_event
from services.kernel.handling import Records

READERS_OF_THE_LOG = frozenset({"group_admin", "quality_lead"})


async def record_reads(store: EventStore, slot: ExternalRequest, method: str, path: str) -> None:
    """One event per provider tenant the response disclosed, in that tenant's own log."""
    assert slot.organisation_id and slot.organisation_kind and slot.user_id
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    for tenant_id, disclosed in slot.disclosed.items():
        event = ExternalRecordsRead(
            viewer_organisation_id=slot.organisation_id,
            viewer_organisation_kind=slot.organisation_kind,  # type: ignore[arg-type]
            viewer_user_id=slot.user_id,
            method=method,
            path=path,
            location_ids=tuple(sorted(disclosed.location_ids, key=str)),
            records=tuple(ReadRecord(collection=c, id=i) for c, i in disclosed.records),
            read_at=datetime.now(UTC),
        )
        async with raw_connection(store.pool) as conn, conn.transaction():
            # Committed before the response starts, without waiting for the WAL flush
            # (synchronous_commit off, for this transaction only): see the module docstring.
            await conn.execute("SELECT set_config('synchronous_commit', 'off', true)")
            await store.append_in(
                conn,
                tenant_id,
                StreamRef(ACCESS_LOG_STREAM_TYPE, uuid4()),
                0,
                [to_new_event(event, None)],
                metadata={
                    "actor": str(slot.user_id),
                    "organisation_id": str(slot.organisation_id),
                    "request_id": request_id,
                },
            )


class AccessLogEntry(msgspec.Struct, frozen=True, kw_only=True):
    seq: int
    recorded_at: datetime
    viewer_organisation_id: UUID
    viewer_organisation_name: str | None
    viewer_organisation_kind: str
    viewer_user_id: UUID
    method: str
    path: str
    location_ids: list[UUID]
    records: list[dict[str, Any]]


class AccessLogPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[AccessLogEntry]
    next_before: int | None


_ENTRIES = f"""
SELECT seq, recorded_at, data::text AS data FROM events
 WHERE tenant_id = $1 AND stream_type = '{ACCESS_LOG_STREAM_TYPE}' AND ($2::bigint IS NULL OR seq < $2)
   AND ($3::text IS NULL OR data ->> 'viewer_organisation_id' = $3)
   AND ($4::text IS NULL OR data -> 'location_ids' ? $4)
 ORDER BY seq DESC LIMIT $5"""


@get(
    "/access-log",
    tags=["access"],
    summary="Every read by a local authority or inspector of this group's homes, newest first",
    operation_id="access_log",
    responses=problem_responses(400, 401, 403),
)
async def access_log(
    principal: NamedDependency[Principal],
    records: NamedDependency[Records],
    organisation_id: Annotated[UUID | None, QueryParameter()] = None,
    location_id: Annotated[UUID | None, QueryParameter()] = None,
    before: Annotated[
        int | None, QueryParameter(ge=1, le=2**63 - 1, description="a next_before")
    ] = None,  # le: a seq is a bigint (a larger value was a 500)
    limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
) -> AccessLogPage:
    if principal.organisation_kind != "provider" or not READERS_OF_THE_LOG & set(principal.roles):
        raise Forbidden("only group admins and quality leads read the access log")
    async with tenant_transaction(records.store.pool, principal.tenant_id) as conn:
        rows = await conn.fetch(
            _ENTRIES,
            principal.tenant_id,
            before,
            str(organisation_id) if organisation_id else None,
            str(location_id) if location_id else None,
            limit,
        )
    names = await _organisation_names(
        records, {msgspec.json.decode(r["data"])["viewer_organisation_id"] for r in rows}
    )
    items = [_entry(row, names) for row in rows]
    return AccessLogPage(items=items, next_before=items[-1].seq if len(items) == limit else None)


def _entry(row: Any, names: dict[str, str]) -> AccessLogEntry:
    data = msgspec.json.decode(row["data"])
    return AccessLogEntry(
        seq=row["seq"],
        recorded_at=row["recorded_at"],
        viewer_organisation_id=UUID(data["viewer_organisation_id"]),
        viewer_organisation_name=names.get(data["viewer_organisation_id"]),
        viewer_organisation_kind=data["viewer_organisation_kind"],
        viewer_user_id=UUID(data["viewer_user_id"]),
        method=data["method"],
        path=data["path"],
        location_ids=[UUID(x) for x in data["location_ids"]],
        records=data["records"],
    )


async def _organisation_names(records: Records, ids: Sequence[str] | set[str]) -> dict[str, str]:
    if not ids:
        return {}
    async with raw_connection(records.store.pool) as conn:
        rows = await conn.fetch(
            "SELECT organisation_id::text AS id, name FROM organisations"
            " WHERE organisation_id = ANY($1::uuid[])",
            sorted(ids),
        )
    return {r["id"]: r["name"] for r in rows}
