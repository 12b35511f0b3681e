"""The routes of one record collection, generated from its RecordApi: create, command, read (now
or as of a moment), history, and the filtered, cursor-paginated list.

The handlers are written once for every collection, so the types that differ (the create and
command bodies, the record's response) are named in their annotations, `CreateBody`, `Body` and
`RecordResponse`, and each handler's `signature_namespace` says what those names are for its
collection: Litestar's own way of resolving a handler's (postponed) annotations. So the OpenAPI
document still shows each record type's own body and response types."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias
from uuid import UUID, uuid4

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from services.http.principal import Principal
from services.http.problems import problem_responses
from services.http.records import (
    MAX_PAGE,
    CommandRoute,
    HistoryEntry,
    ListItem,
    Lookups,
    Page,
    RecordApi,
    caller_of,
    if_match_of,
    permitted,
    replay_of,
    respond,
    visible_record,
)
from services.kernel.decider import changed_fields
from services.kernel.handling import Records
from services.kernel.index import ListQuery

if TYPE_CHECKING:  # what the names stand for to a type checker; Litestar reads the namespace
    CreateBody: TypeAlias = Any
    Body: TypeAlias = Any
    RecordResponse: TypeAlias = Any


def router(api: RecordApi[Any]) -> Router:
    """Every route of one record type, documented in the OpenAPI with its own body types."""
    response_type = msgspec.defstruct(
        f"{api.read_type.__name__}Response",
        [("id", UUID), ("version", int), ("record", api.read_type)],
        frozen=True,
    )
    handlers = [
        _create(api, response_type),
        _list(api),
        _read(api, response_type),
        _history(api),
        *(_command(api, route, response_type) for route in api.commands),
        *api.extra_handlers,
    ]
    return Router(path=api.path, route_handlers=handlers, tags=[api.tag])


def _create(api: RecordApi[Any], response_type: type) -> Any:
    async def create(
        data: JSONBody[CreateBody],
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        records: NamedDependency[Records],
    ) -> Response[RecordResponse]:
        caller = caller_of(principal, request)
        lookups = Lookups(records, principal)
        facts = await api.check_create(data, lookups) if api.check_create else {}
        record_id = uuid4()
        outcome = await records.execute(
            caller,
            api.decider,
            record_id,
            api.to_create(data, record_id, principal),
            creating=True,
            replay=await replay_of(request),
            facts=facts,
            reference_prefix=api.reference_prefix,
        )
        return respond(api, response_type, outcome)

    return post(
        "/",
        status_code=201,
        summary=f"Create a {api.tag} record",
        operation_id=f"create_{api.decider.stream_type}",
        responses=problem_responses(400, 401, 403, 409, 422),
        guards=[permitted(api.decider.collection, "create")],
        signature_namespace={"CreateBody": api.create_body, "RecordResponse": response_type},
    )(create)


def _command(api: RecordApi[Any], route: CommandRoute, response_type: type) -> Any:
    async def run(
        record_id: UUID,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        records: NamedDependency[Records],
        data: Any,
    ) -> Response[Any]:
        caller = caller_of(principal, request)
        facts = await route.check(data, Lookups(records, principal)) if route.check else {}
        outcome = await records.execute(
            caller,
            api.decider,
            record_id,
            route.to_command(data, record_id, principal),
            if_match=if_match_of(request),
            replay=await replay_of(request),
            facts=facts,
        )
        return respond(api, response_type, outcome)

    async def with_body(
        record_id: FromPath[UUID],
        data: JSONBody[Body],
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        records: NamedDependency[Records],
    ) -> Response[RecordResponse]:
        return await run(record_id, request, principal, records, data)

    async def without_body(
        record_id: FromPath[UUID],
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        records: NamedDependency[Records],
    ) -> Response[RecordResponse]:
        return await run(record_id, request, principal, records, None)

    namespace: dict[str, Any] = {"RecordResponse": response_type}
    if route.body is not None:
        namespace["Body"] = route.body
    return post(
        f"/{{record_id:uuid}}/{route.name}",
        status_code=200,
        summary=route.summary,
        operation_id=f"{api.decider.stream_type}_{route.name}",
        responses=problem_responses(400, 401, 403, 404, 409, 412, 422),
        guards=[visible_record(api.decider.collection, route.name)],
        signature_namespace=namespace,
    )(with_body if route.body is not None else without_body)


def _read(api: RecordApi[Any], response_type: type) -> Any:
    async def read(
        record_id: FromPath[UUID],
        principal: NamedDependency[Principal],
        records: NamedDependency[Records],
        as_of: FromQuery[datetime | None] = None,
    ) -> Response[RecordResponse]:
        state, version, _envelopes = await records.load(
            principal.tenant_id, api.decider, record_id, binding=principal.binding, as_of=as_of
        )
        body = response_type(id=record_id, version=version, record=api.render(state))
        return Response(body, headers={"ETag": f'"{version}"'})

    return get(
        "/{record_id:uuid}",
        summary=f"A {api.tag} record now, or as it stood at `as_of`",
        operation_id=f"read_{api.decider.stream_type}",
        responses=problem_responses(400, 401, 403, 404),
        guards=[visible_record(api.decider.collection)],
        signature_namespace={"RecordResponse": response_type},
    )(read)


def _history(api: RecordApi[Any]) -> Any:
    @get(
        "/{record_id:uuid}/history",
        summary="Every version: who, when, what changed",
        operation_id=f"history_{api.decider.stream_type}",
        responses=problem_responses(400, 401, 403, 404),
        guards=[visible_record(api.decider.collection)],
    )
    async def history(
        record_id: FromPath[UUID],
        principal: NamedDependency[Principal],
        records: NamedDependency[Records],
    ) -> list[HistoryEntry]:
        _state, _version, envelopes = await records.load(
            principal.tenant_id, api.decider, record_id, binding=principal.binding
        )
        entries, before = [], None
        for envelope in envelopes:
            after = api.decider.evolve(before, envelope.event)
            entries.append(
                HistoryEntry(
                    version=envelope.version,
                    event_type=envelope.event.type_name(),
                    recorded_at=envelope.recorded_at,
                    actor=envelope.actor,
                    changes=changed_fields(
                        api.render(before) if before is not None else None, api.render(after)
                    ),
                )
            )
            before = after
        return entries

    return history


def _list(api: RecordApi[Any]) -> Any:
    @get(
        "/",
        summary=f"{api.tag.capitalize()} records, filtered, oldest first, cursor-paginated",
        operation_id=f"list_{api.decider.stream_type}",
        responses=problem_responses(400, 401, 403, 422),
        guards=[permitted(api.decider.collection, "read")],
    )
    async def listing(
        principal: NamedDependency[Principal],
        records: NamedDependency[Records],
        location_id: FromQuery[UUID | None] = None,
        status: Annotated[str | None, QueryParameter(max_length=40)] = None,
        date_from: Annotated[datetime | None, QueryParameter(name="from")] = None,
        date_to: Annotated[datetime | None, QueryParameter(name="to")] = None,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 50,
    ) -> Page:
        query = ListQuery(
            collection=api.decider.collection,
            location_id=location_id,
            status=status,
            date_from=date_from,
            date_to=date_to,
            within_locations=principal.scope,
            cursor=cursor,
            limit=limit,
            include_unlocated=api.shared_with_homes,
        )
        rows, next_cursor = await records.page(
            principal.tenant_id, query, binding=principal.binding
        )
        items = [
            ListItem(
                id=r.record_id,
                version=r.version,
                location_id=r.location_id,
                status=r.status,
                reference=r.reference,
                key_date=r.key_date,
                created_at=r.created_at,
                updated_at=r.updated_at,
                summary=r.summary,
            )
            for r in rows
        ]
        return Page(items=items, next_cursor=next_cursor)

    return listing
