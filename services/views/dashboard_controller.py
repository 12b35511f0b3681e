"""`GET /locations/{id}/dashboard` and `GET /group/overview`: read from the home_dashboard
projection (a home's document; the overview, every home's summary), with "today" applied at
read time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from eventstore.connection import bound_transaction
from projections.home_dashboard import empty
from projections.home_dashboard_reading import home_documents, home_summaries
from services.alerts.dashboard import add_open_alerts
from services.http.principal import Principal
from services.http.problems import problem_responses
from services.http.records import visible_record
from services.kernel.calendar import today_in_england
from services.kernel.handling import Records
from services.organisations.directory import load_settings
from services.views.dashboard_schemas import GroupOverview, HomeDashboard
from services.views.group_overview import group_overview, overview_figures
from services.views.home_figures import home_figures
from services.views.thresholds import Thresholds, thresholds


async def _caught_up(request: Request[Any, Any, Any], tenant_id: UUID) -> Any:
    """The projection runner, once it has applied every event of the tenant: a read then shows
    every write before it (cheap when nothing is new; the worker keeps the lag small). The
    runner is the system's work, bound to the tenant whoever asked; nothing of it is returned."""
    runner = request.app.state.runner
    await runner.catch_up(tenant_id)
    return runner


async def _thresholds(request: Request[Any, Any, Any], principal: Principal) -> Thresholds:
    """The tenant's RAG boundaries (settings `dashboard.*` over their defaults), as the caller
    may read them: an external viewer, who may not read the group's settings, gets the
    defaults."""
    records: Records = request.app.state.records
    async with bound_transaction(records.store.pool, principal.binding) as conn:
        return thresholds(await load_settings(conn, principal.tenant_id, records))


@get(
    "/locations/{record_id:uuid}/dashboard",
    tags=["views"],
    summary="One home's dashboard: actions, incidents, notifications, complaints, audits",
    operation_id="home_dashboard",
    responses=problem_responses(400, 401, 404),
    guards=[visible_record("locations")],
)
async def home_dashboard(
    record_id: FromPath[UUID],
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
) -> HomeDashboard:
    runner = await _caught_up(request, principal.tenant_id)
    documents = await home_documents(
        runner.store.pool, principal.tenant_id, [record_id], binding=principal.binding
    )
    doc = documents.get(str(record_id)) or empty(str(record_id))
    rated = await _thresholds(request, principal)
    figures = home_figures(doc, today_in_england(), datetime.now(UTC), rated)
    await add_open_alerts(
        request.app.state.records.store.pool,
        principal.tenant_id,
        [figures],
        binding=principal.binding,
    )
    return msgspec.convert(figures, HomeDashboard)


@get(
    "/group/overview",
    tags=["views"],
    summary="Every home of the group side by side: key figures, ranking, heat maps",
    operation_id="group_overview",
    responses=problem_responses(400, 401),
)
async def overview(
    request: Request[Any, Any, Any],
    principal: NamedDependency[Principal],
    detail: Annotated[Literal["statements"] | None, QueryParameter()] = None,
) -> GroupOverview:
    runner = await _caught_up(request, principal.tenant_id)
    summaries = await home_summaries(
        runner.store.pool, principal.tenant_id, principal.scope, binding=principal.binding
    )
    scope = None if principal.scope is None else {str(h) for h in principal.scope}
    today, now = today_in_england(), datetime.now(UTC)
    rated = await _thresholds(request, principal)
    homes = [
        overview_figures(summary, today, now, rated, statements=detail == "statements")
        for home_id, summary in summaries.items()
        if summary["registered"] and not summary["closed"] and (scope is None or home_id in scope)
    ]
    await add_open_alerts(
        request.app.state.records.store.pool, principal.tenant_id, homes, binding=principal.binding
    )
    overview = group_overview(homes, statements=detail == "statements")
    return msgspec.convert({**overview, "thresholds": rated.described()}, GroupOverview)


HANDLERS = (home_dashboard, overview)
