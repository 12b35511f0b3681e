"""`GET /la/overview`: every home granted to the caller's organisation, by any provider, side
by side on the home dashboard's key figures. Read through the organisation's RLS binding, and
rated on the default RAG thresholds: one scale across providers, whose own settings may differ.
(No `from __future__ import annotations`: Litestar reads the handler's annotations.)"""

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from litestar import Request, get
from litestar.di import NamedDependency

from eventstore.binding import Binding
from eventstore.connection import raw_connection
from projections.home_dashboard_reading import home_summaries
from services.access.binding import disclose
from services.access.viewer import granted_homes
from services.http.principal import Principal
from services.http.problems import problem_responses
from services.kernel.calendar import today_in_england
from services.kernel.errors import Forbidden
from services.views.group_overview import group_overview, overview_figures


@get(
    "/la/overview",
    tags=["access"],
    summary="Granted homes of every provider side by side (local authorities and inspectors)",
    operation_id="external_overview",
    responses=problem_responses(400, 401, 403),
)
async def external_overview(
    request: Request[Any, Any, Any], principal: NamedDependency[Principal]
) -> dict[str, Any]:
    if not principal.external:
        raise Forbidden("the overview across providers is for local authorities and inspectors")
    pool = request.app.state.records.store.pool
    by_tenant: dict[UUID, list[UUID]] = defaultdict(list)
    for tenant, home in await granted_homes(pool, principal.organisation_id):
        by_tenant[tenant].append(home)
    names = await _provider_names(pool, list(by_tenant))
    today, now = today_in_england(), datetime.now(UTC)
    homes, provider_of = [], {}
    for tenant, granted in by_tenant.items():
        await request.app.state.runner.catch_up(tenant)  # the system's, bound to the tenant
        summaries = await home_summaries(  # RLS: granted homes only
            pool, tenant, granted, binding=Binding.external(principal.organisation_id)
        )
        shown = [summaries[str(h)] for h in granted if str(h) in summaries]
        for summary in shown:
            if summary["registered"] and not summary["closed"]:
                homes.append(overview_figures(summary, today, now))
                provider_of[summary["location_id"]] = tenant
        disclose(tenant, [UUID(summary["location_id"]) for summary in shown])
    overview = group_overview(homes)
    for entry in [*overview["homes"], *overview["ranking"]["homes"]]:
        tenant = provider_of[entry["location_id"]]
        entry["provider_id"], entry["provider_name"] = str(tenant), names.get(tenant)
    overview["providers"] = [
        {
            "id": str(tenant),
            "name": names.get(tenant),
            "location_ids": sorted(h for h, t in provider_of.items() if t == tenant),
        }
        for tenant in sorted(by_tenant, key=lambda t: (names.get(t) or "", str(t)))
    ]
    return overview


async def _provider_names(pool: Any, tenants: list[UUID]) -> dict[UUID, str]:
    async with raw_connection(pool) as conn:
        rows = await conn.fetch(
            "SELECT organisation_id, name FROM organisations WHERE organisation_id = ANY($1)",
            tenants,
        )
    return {UUID(str(r["organisation_id"])): r["name"] for r in rows}


HANDLERS = (external_overview,)
