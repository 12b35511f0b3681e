"""The record routes every context shares: create, run a command, read (now or as of a moment),
history and lists. A context declares a RecordApi; this module turns it into Litestar handlers,
so validation, scoping, If-Match, Idempotency-Key and headers work the same for every record."""

import hashlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar
from uuid import UUID, uuid4

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from services.http.principal import Principal, current_principal
from services.http.problems import problem_responses
from services.kernel.decider import Decider, changed_fields
from services.kernel.errors import Forbidden, InvalidCommand, RecordNotFound
from services.kernel.handling import Caller, Outcome, Records, Replay
from services.kernel.index import IndexedRecord, ListQuery

S = TypeVar("S")
MAX_PAGE = 200


@dataclass(frozen=True, slots=True)
class Lookups:
    """What a context's checks may ask about other records of the caller's tenant."""

    records: Records
    principal: Principal

    async def find(self, collection: str, record_id: UUID) -> IndexedRecord | None:
        return await self.records.find(self.principal.tenant_id, collection, record_id)

    async def require(self, collection: str, record_id: UUID, field_name: str) -> IndexedRecord:
        found = await self.find(collection, record_id)
        if found is None:
            raise InvalidCommand(
                field_name, f"no {collection} record {record_id} in this provider group"
            )
        return found

    async def require_location(
        self, location_id: UUID, field_name: str = "location_id"
    ) -> IndexedRecord:
        found = await self.require("locations", location_id, field_name)
        if not self.principal.group_wide and location_id not in self.principal.location_ids:
            raise InvalidCommand(field_name, f"no location {location_id} in this provider group")
        return found


Check = Callable[[Any, Lookups], Awaitable[Mapping[str, Any]]]


@dataclass(frozen=True, slots=True)
class CommandRoute:
    """`POST /{collection}/{id}/{name}`: body type (or None) and how it becomes a command."""

    name: str
    body: type | None
    to_command: Callable[[Any, UUID, Principal], Any]
    summary: str
    check: Check | None = None


@dataclass(frozen=True, slots=True)
class RecordApi(Generic[S]):
    decider: Decider[S]
    path: str
    tag: str
    create_body: type
    to_create: Callable[[Any, UUID, Principal], Any]
    read_type: type
    render: Callable[[S], Any]
    commands: tuple[CommandRoute, ...] = ()
    check_create: Check | None = None
    reference_prefix: str | None = None
    writable_by_external: bool = False
    #: Records with no home (templates) are listed to home-scoped users too.
    shared_with_homes: bool = False
    extra_handlers: tuple[Any, ...] = field(default=())


class HistoryEntry(msgspec.Struct, frozen=True):
    version: int
    event_type: str
    recorded_at: datetime
    actor: str | None
    changes: dict[str, dict[str, Any]]


class ListItem(msgspec.Struct, frozen=True):
    id: UUID
    version: int
    location_id: UUID | None
    status: str
    reference: str | None
    key_date: datetime | None
    created_at: datetime
    updated_at: datetime
    summary: dict[str, Any]


class Page(msgspec.Struct, frozen=True):
    items: list[ListItem]
    next_cursor: str | None


def visible_record(collection: str) -> Any:
    """Guard: the record must belong to the caller's tenant and home scope. Guards run before the
    body is parsed, so another tenant's id answers 404 whatever is sent, and nothing is disclosed."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _handler: Any) -> None:
        principal = await current_principal(connection)
        record_id = connection.path_params["record_id"]
        found = await connection.app.state.records.find(principal.tenant_id, collection, record_id)
        if found is None:
            raise RecordNotFound(collection, record_id)
        principal.require_location(found.location_id, collection, record_id)

    return guard


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


def respond(api: RecordApi[Any], response_type: type, outcome: Outcome[Any]) -> Response[Any]:
    body = response_type(
        id=outcome.record_id, version=outcome.version, record=api.render(outcome.state)
    )
    headers = {"ETag": f'"{outcome.version}"', "Caretrail-Seq": str(outcome.seq)}
    if outcome.status_code == 201:
        headers["Location"] = f"/api/v1{api.path}/{outcome.record_id}"
    if outcome.replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(body, status_code=outcome.status_code, headers=headers)


def caller_of(principal: Principal, request: Request[Any, Any, Any]) -> Caller:
    if principal.organisation_kind != "provider":
        raise Forbidden("only provider users can change records")
    request_id = request.headers.get("x-request-id")
    return Caller(principal.tenant_id, principal.user_id, principal.organisation_id, request_id)


async def replay_of(request: Request[Any, Any, Any]) -> Replay | None:
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    if not 1 <= len(key) <= 200:
        raise ValidationException(
            "Idempotency-Key must be 1 to 200 characters",
            extra=[{"key": "Idempotency-Key", "message": "1 to 200 characters"}],
        )
    body = await request.body()
    digest = hashlib.sha256(request.method.encode() + request.url.path.encode() + b"\0" + body)
    return Replay(key, digest.hexdigest())


def if_match_of(request: Request[Any, Any, Any]) -> int | None:
    header = request.headers.get("if-match")
    if header is None:
        return None
    text = header.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise ValidationException(
            'If-Match must be a version in quotes, e.g. "3"',
            extra=[{"key": "If-Match", "message": 'expected "<version>"'}],
        )
    return int(text)


def _create(api: RecordApi[Any], response_type: type) -> Any:
    async def create(
        data: Any,
        request: Request,
        principal: NamedDependency[Principal],
        records: NamedDependency[Records],
    ) -> Response:
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

    create.__annotations__ = {
        "data": JSONBody[api.create_body],  # type: ignore[misc,name-defined]
        "request": Request,
        "principal": NamedDependency[Principal],
        "records": NamedDependency[Records],
        "return": Response[response_type],  # type: ignore[valid-type]
    }  # type: ignore[valid-type]
    return post(
        "/",
        status_code=201,
        summary=f"Create a {api.tag} record",
        operation_id=f"create_{api.decider.stream_type}",
        responses=problem_responses(400, 401, 403, 409, 422),
    )(create)


def _command(api: RecordApi[Any], route: CommandRoute, response_type: type) -> Any:
    async def run(
        record_id: UUID,
        request: Request,
        principal: NamedDependency[Principal],
        records: NamedDependency[Records],
        data: Any,
    ) -> Response:
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
        data: Any,
        request: Request,
        principal: NamedDependency[Principal],
        records: NamedDependency[Records],
    ) -> Response:
        return await run(record_id, request, principal, records, data)

    async def without_body(
        record_id: FromPath[UUID],
        request: Request,
        principal: NamedDependency[Principal],
        records: NamedDependency[Records],
    ) -> Response:
        return await run(record_id, request, principal, records, None)

    handler = with_body if route.body is not None else without_body
    handler.__annotations__ = {
        "record_id": FromPath[UUID],
        "request": Request,
        "principal": NamedDependency[Principal],
        "records": NamedDependency[Records],
        "return": Response[response_type],  # type: ignore[valid-type]
    }  # type: ignore[valid-type]
    if route.body is not None:
        handler.__annotations__["data"] = JSONBody[route.body]  # type: ignore[misc,name-defined]
    return post(
        f"/{{record_id:uuid}}/{route.name}",
        status_code=200,
        summary=route.summary,
        operation_id=f"{api.decider.stream_type}_{route.name}",
        responses=problem_responses(400, 401, 403, 404, 409, 412, 422),
        guards=[visible_record(api.decider.collection)],
    )(handler)


def _read(api: RecordApi[Any], response_type: type) -> Any:
    async def read(
        record_id: FromPath[UUID],
        principal: NamedDependency[Principal],
        records: NamedDependency[Records],
        as_of: FromQuery[datetime | None] = None,
    ) -> Response:
        state, version, _envelopes = await records.load(
            principal.tenant_id, api.decider, record_id, as_of=as_of
        )
        body = response_type(id=record_id, version=version, record=api.render(state))
        return Response(body, headers={"ETag": f'"{version}"'})

    read.__annotations__ = {
        "record_id": FromPath[UUID],
        "principal": NamedDependency[Principal],
        "records": NamedDependency[Records],
        "as_of": FromQuery[datetime | None],  # type: ignore[misc]
        "return": Response[response_type],  # type: ignore[valid-type]
    }  # type: ignore[valid-type]
    return get(
        "/{record_id:uuid}",
        summary=f"A {api.tag} record now, or as it stood at `as_of`",
        operation_id=f"read_{api.decider.stream_type}",
        responses=problem_responses(400, 401, 404),
        guards=[visible_record(api.decider.collection)],
    )(read)


def _history(api: RecordApi[Any]) -> Any:
    @get(
        "/{record_id:uuid}/history",
        summary="Every version: who, when, what changed",
        operation_id=f"history_{api.decider.stream_type}",
        responses=problem_responses(400, 401, 404),
        guards=[visible_record(api.decider.collection)],
    )
    async def history(
        record_id: FromPath[UUID],
        principal: NamedDependency[Principal],
        records: NamedDependency[Records],
    ) -> list[HistoryEntry]:
        _state, _version, envelopes = await records.load(
            principal.tenant_id, api.decider, record_id
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
        responses=problem_responses(400, 401, 422),
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
        rows, next_cursor = await records.page(principal.tenant_id, query)
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
