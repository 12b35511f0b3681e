"""What every record collection shares at the HTTP edge: the RecordApi a context declares, the
lookups its checks may make, the scoping guard, and the request headers every write honours
(If-Match, Idempotency-Key). services/http/routes.py turns a RecordApi into routes."""

import hashlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

import msgspec
from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.exceptions import ValidationException

from services.http.after_write import WRITTEN_TENANT
from services.http.authorization import authorize, owner_of
from services.http.principal import Principal, current_principal
from services.kernel.decider import Decider
from services.kernel.errors import Forbidden, InvalidCommand, RecordNotFound
from services.kernel.handling import Caller, Outcome, Records, Replay
from services.kernel.index import IndexedRecord

S = TypeVar("S")
MAX_PAGE = 200


@dataclass(frozen=True, slots=True)
class Lookups:
    """What a context's checks may ask about other records of the caller's tenant."""

    records: Records
    principal: Principal

    async def find(self, collection: str, record_id: UUID) -> IndexedRecord | None:
        return await self.records.find(
            self.principal.tenant_id, collection, record_id, binding=self.principal.binding
        )

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


def body_as(command_type: type) -> Callable[[Any, UUID, Principal], Any]:
    """A command route whose body has exactly the command's fields (or that has no body)."""

    def to_command(body: Any, _record_id: UUID, _principal: Principal) -> Any:
        return command_type() if body is None else command_type(**msgspec.structs.asdict(body))

    return to_command


def visible_record(collection: str, action: str = "read") -> Any:
    """Guard: the record must belong to the caller's tenant and home scope (else 404), and the role
    matrix must permit `action` on it (else 403). Guards run before the body is parsed, so another
    tenant's id answers 404 whatever is sent, and nothing is disclosed."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _handler: Any) -> None:
        principal = await current_principal(connection)
        record_id = connection.path_params["record_id"]
        found = await connection.app.state.records.find(
            principal.tenant_id, collection, record_id, binding=principal.binding
        )
        if found is None:
            raise RecordNotFound(collection, record_id)
        principal.require_location(found.location_id, collection, record_id)
        authorize(principal, collection, action, owner_id=owner_of(found.summary))

    return guard


def permitted(collection: str, action: str) -> Any:
    """Guard: the role matrix permits `action` on `collection` (403 before the body is read)."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _handler: Any) -> None:
        authorize(await current_principal(connection), collection, action)

    return guard


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
    # After a 2xx answer, services/http/after_write.py nudges this tenant's projections.
    request.state[WRITTEN_TENANT] = principal.tenant_id
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
