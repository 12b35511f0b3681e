"""What async actors share in a process: one asyncpg pool, Records, Runner, the delivery config,
the trail key and the settings they read, built by the composition root (infra/broker.py) and
installed here as a factory.

Write an actor that needs the database like this (module listed in workers.ACTOR_MODULES):

    @dramatiq.actor(max_retries=3)
    async def close_overdue(tenant_id: str, record_id: str) -> None:
        ctx = await context()
        await ctx.records.execute(...)   # or ctx.pool / ctx.runner / ctx.settings

`context()` calls the installed factory on first use, on the event loop it is awaited from (in
a worker process: dramatiq's one AsyncIO loop thread, so it is created once per process). The
worker closes it at shutdown (`close()`). Actors take ids, never objects, and must be
idempotent: a message may be delivered more than once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from projections import Runner
from services.alerts.delivery_attempt import DeliveryConfig
from services.kernel.handling import Records
from services.trail.heads import TrailKey
from workers.config import WorkerSettings


class NotConfigured(RuntimeError):
    """context() was awaited before the composition root installed a factory."""


@dataclass(frozen=True, slots=True)
class WorkerContext:
    settings: WorkerSettings
    pool: Any  # asyncpg.Pool, as the application role
    records: Records
    runner: Runner
    delivery: DeliveryConfig
    #: None: no trail signing key is configured, heads cannot be signed.
    trail_key: TrailKey | None


ContextFactory = Callable[[], Awaitable[WorkerContext]]

_factory: ContextFactory | None = None
_contexts: dict[asyncio.AbstractEventLoop, WorkerContext] = {}
_locks: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}


def install(factory: ContextFactory) -> None:
    """How this process makes its actors' context (infra/broker.py calls it)."""
    global _factory
    _factory = factory


async def context() -> WorkerContext:
    """This process's shared resources for the running event loop, created on first use."""
    loop = asyncio.get_running_loop()
    if (found := _contexts.get(loop)) is not None:
        return found
    async with _locks.setdefault(loop, asyncio.Lock()):
        if (found := _contexts.get(loop)) is not None:
            return found
        if _factory is None:
            raise NotConfigured("install a context factory first (infra/broker.py does)")
        made = _contexts[loop] = await _factory()
        return made


async def close() -> None:
    """Close the running loop's context (its pool), if one was opened."""
    loop = asyncio.get_running_loop()
    _locks.pop(loop, None)
    if (found := _contexts.pop(loop, None)) is not None:
        await found.pool.close()
