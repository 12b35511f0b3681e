"""The alerts' routes: list (by status, kind and home), read with the records behind it, history,
acknowledge and resolve. Alerts are raised by the detectors (workers/alerting.py), never POSTed.
(No `from __future__ import annotations`: Litestar reads these annotations as real types.)"""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from eventstore.binding import Binding
from services.alerts import queries
from services.alerts.commands import AcknowledgeAlert, ResolveAlert
from services.alerts.decide import DECIDER
from services.alerts.events import Kind
from services.alerts.schemas import (
    AcknowledgeBody,
    AlertListItem,
    AlertPage,
    AlertResponse,
    ResolveBody,
    render,
)
from services.alerts.state import Status
from services.http.authorization import authorize
from services.http.links import record_link
from services.http.principal import Principal, current_principal
from services.http.problems import problem_responses
from services.http.records import MAX_PAGE, HistoryEntry, caller_of, if_match_of, replay_of
from services.kernel.decider import changed_fields
from services.kernel.errors import RecordNotFound
from services.kernel.handling import Outcome, Records


def _in_scope(principal: Principal, location_id: UUID | None, location_ids: list[str]) -> bool:
    if principal.group_wide:
        return True
    homes = {str(h) for h in principal.location_ids}
    return (location_id is not None and str(location_id) in homes) or bool(
        homes.intersection(location_ids)
    )


async def visible_alert(connection: ASGIConnection[Any, Any, Any, Any], _handler: Any) -> None:
    """Another tenant's alert, or one of homes outside the caller's scope, answers 404."""
    principal = await current_principal(connection)
    record_id = connection.path_params["record_id"]
    found = await connection.app.state.records.find(
        principal.tenant_id, "alerts", record_id, binding=principal.binding
    )
    if found is None or not _in_scope(
        principal, found.location_id, found.summary.get("location_ids", [])
    ):
        raise RecordNotFound("alerts", record_id)


async def _answer(records: Records, tenant_id: UUID, outcome: Outcome[Any]) -> Response[Any]:
    """After a command (never an external viewer's: they are refused before): as the tenant."""
    found = await queries.records_behind(
        records.store.pool, tenant_id, outcome.state.records, binding=Binding.tenant(tenant_id)
    )
    body = AlertResponse(
        id=outcome.record_id, version=outcome.version, record=render(outcome.state, found)
    )
    headers = {"ETag": f'"{outcome.version}"', "Caretrail-Seq": str(outcome.seq)}
    if outcome.replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(body, status_code=200, headers=headers)


@get(
    "/alerts",
    tags=["alerts"],
    summary="Alerts, filtered by status, kind and home, oldest first, cursor-paginated",
    operation_id="list_alert",
    responses=problem_responses(400, 401, 422),  # 422: a cursor this API never returned
)
async def list_alerts(
    principal: NamedDependency[Principal],
    records: NamedDependency[Records],
    status: Annotated[Status | None, QueryParameter()] = None,
    kind: Annotated[Kind | None, QueryParameter()] = None,
    location_id: Annotated[UUID | None, QueryParameter()] = None,
    cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 50,
) -> AlertPage:
    query = queries.AlertQuery(
        status=status,
        kind=kind,
        location_id=location_id,
        within_locations=principal.scope,
        cursor=cursor,
        limit=limit,
    )
    rows, next_cursor = await queries.list_alerts(
        records.store.pool, principal.tenant_id, query, binding=principal.binding
    )
    items = [
        AlertListItem(
            id=r.record_id,
            version=r.version,
            status=r.status,
            location_id=r.location_id,
            raised_at=r.key_date,
            url=record_link("alerts", r.record_id),
            summary=r.summary,
        )
        for r in rows
    ]
    return AlertPage(items=items, next_cursor=next_cursor)


@get(
    "/alerts/{record_id:uuid}",
    tags=["alerts"],
    summary="An alert now, or as it stood at `as_of`, with the records behind it",
    operation_id="read_alert",
    responses=problem_responses(400, 401, 404),
    guards=[visible_alert],
)
async def read_alert(
    record_id: FromPath[UUID],
    principal: NamedDependency[Principal],
    records: NamedDependency[Records],
    as_of: Annotated[datetime | None, QueryParameter()] = None,
) -> Response[AlertResponse]:
    state, version, _ = await records.load(
        principal.tenant_id, DECIDER, record_id, binding=principal.binding, as_of=as_of
    )
    found = await queries.records_behind(
        records.store.pool, principal.tenant_id, state.records, binding=principal.binding
    )
    body = AlertResponse(id=record_id, version=version, record=render(state, found))
    return Response(body, headers={"ETag": f'"{version}"'})


@get(
    "/alerts/{record_id:uuid}/history",
    tags=["alerts"],
    summary="Every version of an alert: who, when, what changed",
    operation_id="history_alert",
    responses=problem_responses(400, 401, 404),
    guards=[visible_alert],
)
async def alert_history(
    record_id: FromPath[UUID],
    principal: NamedDependency[Principal],
    records: NamedDependency[Records],
) -> list[HistoryEntry]:
    _, _, envelopes = await records.load(
        principal.tenant_id, DECIDER, record_id, binding=principal.binding
    )
    entries, before = [], None
    for envelope in envelopes:
        after = DECIDER.evolve(before, envelope.event)
        changes = changed_fields(render(before) if before else None, render(after))
        entries.append(
            HistoryEntry(
                version=envelope.version,
                event_type=envelope.event.type_name(),
                recorded_at=envelope.recorded_at,
                actor=envelope.actor,
                changes=changes,
            )
        )
        before = after
    return entries


@post(
    "/alerts/{record_id:uuid}/acknowledge",
    tags=["alerts"],
    summary="Acknowledge an alert (records who); stops its escalation",
    operation_id="alert_acknowledge",
    status_code=200,
    responses=problem_responses(400, 401, 403, 404, 409, 412, 422),
    guards=[visible_alert],
)
async def acknowledge(
    record_id: FromPath[UUID],
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    records: NamedDependency[Records],
    data: JSONBody[AcknowledgeBody | None] = None,
) -> Response[AlertResponse]:
    caller = caller_of(principal, request)
    authorize(principal, "alerts", "acknowledge")
    outcome = await records.execute(
        caller,
        DECIDER,
        record_id,
        AcknowledgeAlert(note=data.note if data else None),
        if_match=if_match_of(request),
        replay=await replay_of(request),
    )
    return await _answer(records, principal.tenant_id, outcome)


@post(
    "/alerts/{record_id:uuid}/resolve",
    tags=["alerts"],
    summary="Resolve an alert by hand, with a note (it is raised again only once the"
    " condition has cleared and come back)",
    operation_id="alert_resolve",
    status_code=200,
    responses=problem_responses(400, 401, 403, 404, 409, 412, 422),
    guards=[visible_alert],
)
async def resolve(
    record_id: FromPath[UUID],
    data: JSONBody[ResolveBody],
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    records: NamedDependency[Records],
) -> Response[AlertResponse]:
    caller = caller_of(principal, request)
    authorize(principal, "alerts", "resolve")
    outcome = await records.execute(
        caller,
        DECIDER,
        record_id,
        ResolveAlert(note=data.note),
        if_match=if_match_of(request),
        replay=await replay_of(request),
    )
    return await _answer(records, principal.tenant_id, outcome)


HANDLERS = (list_alerts, read_alert, alert_history, acknowledge, resolve)
