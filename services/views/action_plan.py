"""`GET /action-plan`: a home's or the group's improvement actions, now or as they stood at a
moment, each at its version of that moment (the plan's "earlier versions for your records").
(No `from __future__ import annotations`: Litestar reads these handlers' annotations.)"""

from collections.abc import Sequence
from datetime import date, datetime
from uuid import UUID

import msgspec
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.params import FromQuery

from eventstore.binding import Binding
from services.actions.decide import DECIDER as ACTIONS
from services.actions.state import ActionState
from services.http.links import record_link
from services.http.principal import Principal
from services.http.problems import problem_responses
from services.kernel.errors import RecordNotFound
from services.kernel.handling import Records
from services.kernel.index import IndexedRecord, ListQuery
from services.views.freshness import up_to_date
from services.views.scope import homes_in_view

_PAGE = 200


class PlannedAction(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    reference: str
    location_id: UUID
    title: str
    owner_id: UUID
    due_date: date
    status: str
    priority: str
    version: int
    link: str


class ActionPlan(msgspec.Struct, frozen=True, kw_only=True):
    location_id: UUID | None
    as_of: datetime | None
    actions: list[PlannedAction]


def planned(state: ActionState, version: int) -> PlannedAction:
    return PlannedAction(
        id=state.action_id,
        reference=state.reference,
        location_id=state.location_id,
        title=state.title,
        owner_id=state.owner_id,
        due_date=state.due_date,
        status=state.status,
        priority=state.priority,
        version=version,
        link=record_link(ACTIONS.collection, state.action_id),
    )


def in_plan_order(actions: Sequence[PlannedAction]) -> list[PlannedAction]:
    return sorted(actions, key=lambda a: (a.due_date, a.reference))


async def _indexed_actions(
    records: Records, tenant_id: UUID, homes: Sequence[UUID] | None, binding: Binding
) -> list[IndexedRecord]:
    found: list[IndexedRecord] = []
    cursor = None
    while True:
        query = ListQuery(
            collection=ACTIONS.collection, within_locations=homes, cursor=cursor, limit=_PAGE
        )
        page, cursor = await records.page(tenant_id, query, binding=binding)
        found += page
        if cursor is None:
            return found


async def action_plan_of(
    records: Records,
    tenant_id: UUID,
    homes: Sequence[UUID] | None,
    as_of: datetime | None,
    *,
    binding: Binding,
) -> list[PlannedAction]:
    """Every action of these homes, each stream folded as of `as_of` (now if None); actions
    raised after that moment are left out. One stream read per action: fine for a home's or a
    group's plan (tens to hundreds); a versioned projection would serve thousands."""
    plan = []
    for row in await _indexed_actions(records, tenant_id, homes, binding):
        try:
            state, version, _ = await records.load(
                tenant_id, ACTIONS, row.record_id, binding=binding, as_of=as_of
            )
        except RecordNotFound:
            continue  # raised after as_of
        plan.append(planned(state, version))
    return in_plan_order(plan)


@get(
    "/action-plan",
    tags=["views"],
    summary="The action plan of a home or the group, now or as it stood at `as_of`",
    operation_id="action_plan",
    responses=problem_responses(400, 401, 404, 503),
)
async def action_plan(
    request: Request,
    principal: NamedDependency[Principal],
    records: NamedDependency[Records],
    location_id: FromQuery[UUID | None] = None,
    as_of: FromQuery[datetime | None] = None,
) -> ActionPlan:
    if as_of is not None and as_of.tzinfo is None:
        raise ValidationException(
            "as_of needs a time zone, e.g. 2026-05-01T09:00:00Z",
            extra=[{"key": "as_of", "message": "a date-time with a time zone offset"}],
        )
    await up_to_date(request, principal.tenant_id)
    homes = await homes_in_view(records, principal, location_id)
    actions = await action_plan_of(
        records, principal.tenant_id, homes, as_of, binding=principal.binding
    )
    return ActionPlan(location_id=location_id, as_of=as_of, actions=actions)
