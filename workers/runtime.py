"""What async actors share in a process: settings, runtime, one asyncpg pool, Records, Runner.

Write an actor that needs the database like this (module listed in workers.ACTOR_MODULES):

    @dramatiq.actor(max_retries=3)
    async def close_overdue(tenant_id: str, record_id: str) -> None:
        ctx = await context()
        await ctx.records.execute(...)   # or ctx.pool / ctx.runner / ctx.settings

`context()` opens the pool on first use, on the event loop it is awaited from (in a worker
process: dramatiq's one AsyncIO loop thread, so it is created once per process) and
`workers.broker.configure` has installed the settings and runtime beforehand. The worker closes
it at shutdown (`close()`). Actors take ids, never objects, and must be idempotent: a message may
be delivered more than once.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from infra.embedded import Runtime
from infra.settings import Settings
from projections import PROJECTIONS, Runner
from services.kernel.handling import Records


class NotConfigured(RuntimeError):
    """context() was awaited before workers.broker.configure installed settings and runtime."""


@dataclass(frozen=True, slots=True)
class WorkerContext:
    settings: Settings
    runtime: Runtime
    pool: Any  # asyncpg.Pool, as the application role
    records: Records
    runner: Runner


_installed: tuple[Settings, Runtime] | None = None
_contexts: dict[asyncio.AbstractEventLoop, WorkerContext] = {}
_locks: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}


def install(settings: Settings, runtime: Runtime) -> None:
    global _installed
    _installed = (settings, runtime)


async def context() -> WorkerContext:
    """This process's shared resources for the running event loop, created on first use."""
    loop = asyncio.get_running_loop()
    if (found := _contexts.get(loop)) is not None:
        return found
    async with _locks.setdefault(loop, asyncio.Lock()):
        if (found := _contexts.get(loop)) is not None:
            return found
        if _installed is None:
            raise NotConfigured("call workers.broker.configure(settings, runtime) first")
        from infra.app import build_records
        from infra.database import open_database

        settings, runtime = _installed
        pool = await open_database(runtime.urls.app, pool_size=settings.db_pool_size)
        records = build_records(pool, runtime)
        made = WorkerContext(settings, runtime, pool, records, Runner(records.store, PROJECTIONS))
        _contexts[loop] = made
        return made


async def close() -> None:
    """Close the running loop's context (its pool), if one was opened."""
    loop = asyncio.get_running_loop()
    _locks.pop(loop, None)
    if (found := _contexts.pop(loop, None)) is not None:
        await found.pool.close()
