"""`/subscriptions`: a group admin subscribes a webhook or an e-mail address to the group's alerts,
lists, reads and cancels (DELETE) subscriptions, and sees each one's deliveries, dead letters
included. (No `from __future__ import annotations`: Litestar reads these annotations as types.)"""

import base64
import secrets
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID, uuid4

from litestar import Request, Response, Router, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from eventstore.connection import tenant_transaction
from services.alerts import delivery_store
from services.alerts.subscriptions import (
    SUBSCRIPTIONS,
    CancelSubscription,
    SubscribeEmail,
    SubscribeWebhook,
    SubscriptionFilters,
)
from services.alerts.subscriptions_schemas import (
    CreatedSubscription,
    CreateSubscription,
    DeliveryPage,
    DeliveryRead,
    DeliveryStatus,
    SubscriptionPage,
    SubscriptionResponse,
    SubscriptionStatus,
    render,
)
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
from services.kernel.errors import InvalidCommand
from services.kernel.handling import Outcome, Records
from services.kernel.index import ListQuery

COLLECTION = SUBSCRIPTIONS.collection
#: Standard Webhooks secrets are base64 of 24 to 64 random bytes, prefixed `whsec_`.
SECRET_BYTES = 32


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _command(body: CreateSubscription, subscription_id: UUID) -> Any:
    body.check()
    filters = body.filters.value() if body.filters else SubscriptionFilters()
    if body.channel == "webhook":
        assert body.url is not None
        return SubscribeWebhook(
            subscription_id=subscription_id,
            name=body.name,
            url=body.url,
            secret=new_secret(),
            filters=filters,
        )
    assert body.address is not None
    return SubscribeEmail(
        subscription_id=subscription_id,
        name=body.name,
        address=body.address,
        modes=tuple(body.modes),
        filters=filters,
    )


def _headers(outcome: Outcome[Any]) -> dict[str, str]:
    return {"ETag": f'"{outcome.version}"', "Caretrail-Seq": str(outcome.seq)}


@post(
    "/",
    status_code=201,
    summary="Subscribe a webhook or an e-mail address (a webhook's secret is shown once, here)",
    operation_id="create_subscription",
    responses=problem_responses(400, 401, 403, 409, 422),
    guards=[permitted(COLLECTION, "create")],
)
async def create(
    data: JSONBody[CreateSubscription],
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    records: NamedDependency[Records],
) -> Response[CreatedSubscription]:
    caller = caller_of(principal, request)
    for location_id in data.filters.location_ids if data.filters else ():
        found = await records.find(
            principal.tenant_id, "locations", location_id, binding=principal.binding
        )
        if found is None:
            raise InvalidCommand(
                "filters.location_ids", f"no location {location_id} in this provider group"
            )
    subscription_id = uuid4()
    command = _command(data, subscription_id)
    outcome = await records.execute(
        caller,
        SUBSCRIPTIONS,
        subscription_id,
        command,
        creating=True,
        replay=await replay_of(request),
    )
    secret = None if outcome.replayed else getattr(command, "secret", None)
    body = CreatedSubscription(
        id=outcome.record_id, version=outcome.version, record=render(outcome.state), secret=secret
    )
    headers = _headers(outcome) | {"Location": f"/api/v1/subscriptions/{outcome.record_id}"}
    if outcome.replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(body, status_code=201, headers=headers)


@get(
    "/",
    summary="The provider group's alert subscriptions, oldest first, cursor-paginated",
    operation_id="list_subscription",
    responses=problem_responses(400, 401, 403, 422),  # 422: a cursor this API never returned
    guards=[permitted(COLLECTION, "read")],
)
async def listing(
    principal: NamedDependency[Principal],
    records: NamedDependency[Records],
    status: FromQuery[SubscriptionStatus | None] = None,
    cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 50,
) -> SubscriptionPage:
    query = ListQuery(collection=COLLECTION, status=status, cursor=cursor, limit=limit)
    rows, next_cursor = await records.page(principal.tenant_id, query, binding=principal.binding)
    found = await records.load_many(
        principal.tenant_id, SUBSCRIPTIONS, [r.record_id for r in rows], binding=principal.binding
    )
    items = [SubscriptionResponse(id=i, version=v, record=render(state)) for i, state, v in found]
    return SubscriptionPage(items=items, next_cursor=next_cursor)


@get(
    "/{record_id:uuid}",
    summary="One subscription (never its secret)",
    operation_id="read_subscription",
    responses=problem_responses(400, 401, 403, 404),
    guards=[visible_record(COLLECTION)],
)
async def read(
    record_id: FromPath[UUID],
    principal: NamedDependency[Principal],
    records: NamedDependency[Records],
) -> Response[SubscriptionResponse]:
    state, version, _events = await records.load(
        principal.tenant_id, SUBSCRIPTIONS, record_id, binding=principal.binding
    )
    body = SubscriptionResponse(id=record_id, version=version, record=render(state))
    return Response(body, headers={"ETag": f'"{version}"'})


@delete(
    "/{record_id:uuid}",
    status_code=200,
    summary="Cancel a subscription: nothing more is sent to it; its secret and address are erased",
    operation_id="cancel_subscription",
    responses=problem_responses(400, 401, 403, 404, 409, 412),
    guards=[visible_record(COLLECTION, "cancel")],
)
async def cancel(
    record_id: FromPath[UUID],
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    records: NamedDependency[Records],
) -> Response[SubscriptionResponse]:
    outcome = await records.execute(
        caller_of(principal, request),
        SUBSCRIPTIONS,
        record_id,
        CancelSubscription(reason="cancelled through the API"),
        if_match=if_match_of(request),
        replay=await replay_of(request),
    )
    if not outcome.replayed:
        # Nothing is sent to it any more: destroy its key, so its signing secret and address
        # (sealed under it) can no longer be read by anyone. The chain is untouched.
        await records.store.erase_subject(
            principal.tenant_id, record_id, metadata={"actor": str(principal.user_id)}
        )
    state, _version, _events = await records.load(
        principal.tenant_id, SUBSCRIPTIONS, record_id, binding=principal.binding
    )
    body = SubscriptionResponse(id=record_id, version=outcome.version, record=render(state))
    return Response(body, headers=_headers(outcome))


@get(
    "/{record_id:uuid}/deliveries",
    summary="What was sent to this subscription: status, attempts, last error; `dead` = dead letters",
    operation_id="list_subscription_deliveries",
    responses=problem_responses(400, 401, 403, 404, 422),  # 422: a cursor it never gave
    guards=[visible_record(COLLECTION)],
)
async def deliveries(
    record_id: FromPath[UUID],
    principal: NamedDependency[Principal],
    records: NamedDependency[Records],
    status: FromQuery[DeliveryStatus | None] = None,
    cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 50,
) -> DeliveryPage:
    after = _decode_cursor(cursor) if cursor else None
    async with tenant_transaction(records.store.pool, principal.tenant_id) as conn:
        rows = await delivery_store.of_subscription(
            conn, principal.tenant_id, record_id, status, after, limit + 1
        )
    items = [_delivery(row) for row in rows[:limit]]
    last = rows[limit - 1] if len(rows) > limit else None
    next_cursor = _encode_cursor(last["created_at"], last["delivery_id"]) if last else None
    return DeliveryPage(items=items, next_cursor=next_cursor)


def _encode_cursor(created_at: datetime, delivery_id: UUID) -> str:
    return base64.urlsafe_b64encode(f"{created_at.isoformat()}|{delivery_id}".encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    try:
        at, _, delivery_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        return datetime.fromisoformat(at), UUID(delivery_id)
    except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
        raise InvalidCommand("cursor", "is not a cursor this list gave") from None


def _delivery(row: Any) -> DeliveryRead:
    pending = row["status"] in ("pending", "sending")
    return DeliveryRead(
        id=row["delivery_id"],
        purpose=row["purpose"],
        alert_event_id=row["alert_event_id"],
        alert_id=row["alert_id"],
        digest_day=row["digest_day"].isoformat() if row["digest_day"] else None,
        status=row["status"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        next_attempt_at=row["next_attempt_at"] if pending else None,
        created_at=row["created_at"],
        delivered_at=row["delivered_at"],
        dead_lettered_at=row["dead_lettered_at"],
    )


ROUTER = Router(
    path="/subscriptions",
    route_handlers=[create, listing, read, cancel, deliveries],
    tags=["alert subscriptions"],
)
