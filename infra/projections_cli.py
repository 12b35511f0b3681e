"""Operator commands on the read models: `projections rebuild` and `projections lag`."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import UUID

from infra.admin import open_records
from infra.embedded import Runtime
from projections import PROJECTIONS, Runner, UnknownProjection


def check_projection(name: str | None) -> None:
    """Raise `UnknownProjection` for a name no projection has (before touching the database)."""
    if name is not None and name not in {p.name for p in PROJECTIONS}:
        raise UnknownProjection(name)


def projection_names() -> list[str]:
    return [p.name for p in PROJECTIONS]


@asynccontextmanager
async def open_runner(runtime: Runtime) -> AsyncIterator[Runner]:
    """Every projection, run on the event store's own pool as the application role."""
    async with open_records(runtime) as records:
        yield Runner(records.store, PROJECTIONS)


async def rebuild(runtime: Runtime, projection: str | None, tenant_id: UUID | None) -> int:
    """Rebuild and swap in; returns how many (tenant, projection) pairs were swapped."""
    check_projection(projection)
    async with open_runner(runtime) as runner:
        return await runner.rebuild(projection, tenant_id)


async def lag_lines(runtime: Runtime, tenant_id: UUID | None = None) -> list[str]:
    """One JSON line per projection and tenant: events and seconds behind."""
    async with open_runner(runtime) as runner:
        lags = await runner.lag(tenant_id)
    return [
        json.dumps(
            {
                "projection": lag.projection,
                "tenant_id": str(lag.tenant_id),
                "events_behind": lag.events_behind,
                "seconds_behind": round(lag.seconds_behind, 3),
            }
        )
        for lag in lags
    ]
