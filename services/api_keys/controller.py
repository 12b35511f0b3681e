"""`/api-keys`: a group admin issues (the key is in that one answer), lists, reads and revokes the
integration keys of the provider group. (No `from __future__ import annotations`: Litestar
reads these handlers' annotations as real types.)"""

from typing import Annotated, Any
from uuid import UUID

from litestar import Request, Response, Router, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from services.api_keys.decide import API_KEYS, COLLECTION, RevokeApiKey, new_key
from services.api_keys.schemas import ApiKeyPage, ApiKeyRead, IssueBody, IssuedApiKey, render
from services.http.principal import Principal
from services.http.problems import problem_responses
from services.http.records import (
    MAX_PAGE,
    caller_of,
    if_match_of,
    permitted,
    replay_of,
    visible_record,
)
from services.kernel.handling import Records
from services.kernel.index import ListQuery


@post(
    "/",
    status_code=201,
    summary="Issue an API key (shown once, in this answer only)",
    operation_id="create_api_key",
    responses=problem_responses(400, 401, 403, 422),
    guards=[permitted(COLLECTION, "create")],
)
async def issue(
    data: JSONBody[IssueBody],
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    records: NamedDependency[Records],
) -> Response[IssuedApiKey]:
    plaintext, command = new_key(principal.tenant_id, data.name, data.access)
    outcome = await records.execute(
        caller_of(principal, request),
        API_KEYS,
        command.key_id,
        command,
        creating=True,
        replay=await replay_of(request),
    )
    body = IssuedApiKey(key=None if outcome.replayed else plaintext, api_key=render(outcome.state))
    headers = {"ETag": f'"{outcome.version}"', "Location": f"/api/v1/api-keys/{outcome.record_id}"}
    return Response(body, status_code=201, headers=headers)


@get(
    "/",
    summary="The provider group's API keys (never the keys themselves), oldest first",
    operation_id="list_api_key",
    responses=problem_responses(400, 401, 403, 422),
    guards=[permitted(COLLECTION, "read")],
)
async def listing(
    principal: NamedDependency[Principal],
    records: NamedDependency[Records],
    cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 50,
) -> ApiKeyPage:
    query = ListQuery(COLLECTION, cursor=cursor, limit=limit)
    rows, next_cursor = await records.page(principal.tenant_id, query, binding=principal.binding)
    keys = await records.load_many(
        principal.tenant_id, API_KEYS, [r.record_id for r in rows], binding=principal.binding
    )
    return ApiKeyPage(items=[render(state) for _id, state, _v in keys], next_cursor=next_cursor)


@get(
    "/{record_id:uuid}",
    summary="One API key",
    operation_id="read_api_key",
    responses=problem_responses(400, 401, 403, 404),
    guards=[visible_record(COLLECTION)],
)
async def read(
    record_id: FromPath[UUID],
    principal: NamedDependency[Principal],
    records: NamedDependency[Records],
) -> ApiKeyRead:
    state, _version, _events = await records.load(
        principal.tenant_id, API_KEYS, record_id, binding=principal.binding
    )
    return render(state)


@delete(
    "/{record_id:uuid}",
    status_code=200,
    summary="Revoke an API key: it is refused from the next request on",
    operation_id="revoke_api_key",
    responses=problem_responses(400, 401, 403, 404, 409, 412),
    guards=[visible_record(COLLECTION, "revoke")],
)
async def revoke(
    record_id: FromPath[UUID],
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    records: NamedDependency[Records],
) -> ApiKeyRead:
    outcome = await records.execute(
        caller_of(principal, request),
        API_KEYS,
        record_id,
        RevokeApiKey(reason="revoked through the API"),
        if_match=if_match_of(request),
    )
    return render(outcome.state)


ROUTER = Router(
    path="/api-keys", route_handlers=[issue, listing, read, revoke], tags=["authentication"]
)
