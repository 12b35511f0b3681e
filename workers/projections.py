"""Projection actors: the nudge sent after each write, and the periodic sweep.

Both are idempotent: the runner applies each event exactly once per projection whatever runs
it, how often, or in how many processes, so a duplicate nudge costs one empty read and a lost
one only waits for the next sweep (workers/schedule.py).
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import dramatiq
import structlog

from eventstore.connection import raw_connection
from workers.nudge import RELEASE_SQL
from workers.runtime import context

log = structlog.get_logger()

#: Called with a tenant id (str) after its projections took in new events, by the nudge and by
#: the sweep: e.g. an actor's `send` (workers/alerting.py runs the detectors from here, so an
#: alert follows the write that caused it within moments). A hook that raises is logged and
#: skipped (the catch-up is not retried for it); periodic jobs cover what it missed.
AFTER_CATCH_UP: list[Callable[[str], object]] = []


def after_catch_up(tenant_id: str) -> None:
    for hook in AFTER_CATCH_UP:
        try:
            hook(tenant_id)
        except Exception as exc:
            log.warning("after-catch-up hook failed", hook=repr(hook), error=repr(exc))


@dramatiq.actor(queue_name="projections")
async def catch_up_tenant(tenant_id: str) -> None:
    """Catch every projection of one tenant up with its log (sent by the API after a write).
    The tenant's pending nudge is released first, so a write from now on nudges again."""
    ctx = await context()
    async with raw_connection(ctx.pool) as conn:
        await conn.execute(RELEASE_SQL, UUID(tenant_id))
    applied = await ctx.runner.catch_up(UUID(tenant_id))
    if any(applied.values()):
        log.info("projections caught up", applied=applied)
        after_catch_up(tenant_id)


@dramatiq.actor(queue_name="projections")
async def sweep_projections() -> None:
    """Catch every tenant's projections up (sent by the scheduler every few seconds)."""
    applied = await (await context()).runner.catch_up_all()
    busy = {str(t): n for t, n in applied.items() if any(n.values())}
    if busy:
        log.info("projections swept", tenants=busy)
    for tenant_id in busy:
        after_catch_up(tenant_id)
