"""The worker's projection sweep: every tenant caught up, restartable, stops when told."""

from __future__ import annotations

import asyncio
from uuid import uuid4

from eventstore import EventStore, NewEvent, StreamRef
from projections import PROJECTIONS, Runner
from workers.projection_sweep import sweep_until_stopped


async def test_a_sweep_brings_every_registered_tenant_to_its_head_and_stops_when_told(
    store: EventStore,
) -> None:
    tenants = [uuid4(), uuid4()]
    async with store.pool.acquire() as conn:
        for tenant in tenants:
            await conn.execute(
                "INSERT INTO organisations (organisation_id, kind, name) VALUES ($1, 'provider', $2)",
                tenant, f"sweep {tenant}",
            )  # fmt: skip
    for tenant in tenants:
        for n in range(7):
            await store.append(
                tenant, StreamRef("note", uuid4()), 0, [NewEvent("NoteAdded", {"n": n})]
            )
    runner = Runner(store, PROJECTIONS)
    stop = asyncio.Event()

    sweeping = asyncio.create_task(sweep_until_stopped(runner, 0.05, stop))
    for _ in range(200):
        lag = [entry for entry in await runner.lag() if entry.tenant_id in tenants]
        if lag and all(entry.events_behind == 0 for entry in lag):
            break
        await asyncio.sleep(0.05)
    stop.set()
    sweeps = await asyncio.wait_for(sweeping, timeout=10)

    assert sweeps >= 1
    assert {(e.projection, e.tenant_id) for e in lag} == {
        (p.name, t) for p in PROJECTIONS for t in tenants
    }
    assert all(e.events_behind == 0 and e.head == 7 for e in lag)
