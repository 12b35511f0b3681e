"""`GET /locations/{id}/dashboard` and `GET /group/overview`: read from the home_dashboard
projection, with "today" applied at read time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from projections.home_dashboard import HOME_DASHBOARD, empty
from projections.home_dashboard_figures import home_figures
from projections.home_dashboard_overview import group_overview
from projections.projection import Document
from services.access.binding import as_system
from services.complaints.dates import today_in_england
from services.http.principal import Principal
from services.http.problems import problem_responses
from services.http.records import visible_record


async def _documents(request: Request[Any, Any, Any], tenant_id: UUID) -> dict[str, Document]:
    runner = request.app.state.runner
    # The worker sweeps every few seconds; until dramatiq nudges make the background lag small,
    # a read catches its tenant up first (cheap when nothing is new) so it shows every write.
    with as_system():  # the system's work, even when an external viewer asked
        await runner.catch_up(tenant_id)
    documents: dict[str, Document] = await runner.documents(tenant_id, HOME_DASHBOARD.name)
    return documents


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
) -> dict[str, Any]:
    documents = await _documents(request, principal.tenant_id)
    doc = documents.get(str(record_id)) or empty(str(record_id))
    return home_figures(doc, today_in_england(), datetime.now(UTC))


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
) -> dict[str, Any]:
    documents = await _documents(request, principal.tenant_id)
    scope = None if principal.scope is None else {str(h) for h in principal.scope}
    today, now = today_in_england(), datetime.now(UTC)
    homes = [
        home_figures(doc, today, now)
        for doc_id, doc in documents.items()
        if doc["registered"] and not doc["closed"] and (scope is None or doc_id in scope)
    ]
    return group_overview(homes, statements=detail == "statements")


HANDLERS = (home_dashboard, overview)
