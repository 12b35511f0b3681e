"""Alert actors: run the detectors for a tenant (after its projections catch up, and on the
scheduler's sweep), and escalate unacknowledged alerts. Idempotent: running them again, or in
several processes at once, records nothing new (see workers/alert_reconcile.py)."""

from __future__ import annotations

from dataclasses import asdict
from uuid import UUID

import dramatiq
import structlog

from workers.alert_reconcile import detect_for_tenant, escalate_for_tenant
from workers.projections import AFTER_CATCH_UP
from workers.runtime import context

log = structlog.get_logger()


@dramatiq.actor(queue_name="alerts")
async def run_detectors(tenant_id: str) -> None:
    """Bring one tenant's projections up to date, then its alerts in line with the detectors."""
    ctx = await context()
    await ctx.runner.catch_up(UUID(tenant_id))
    tally = await detect_for_tenant(ctx.records, ctx.runner, UUID(tenant_id))
    if tally.any():
        log.info("alerts reconciled", tenant_id=tenant_id, **asdict(tally))


@dramatiq.actor(queue_name="alerts")
async def detect_all_tenants() -> None:
    """The scheduler's sweep: detectors for every tenant (time alone makes things overdue)."""
    ctx = await context()
    for tenant_id in await ctx.runner.tenants():
        run_detectors.send(str(tenant_id))


@dramatiq.actor(queue_name="alerts")
async def escalate_alerts() -> None:
    """Escalate, in every tenant, the alerts nobody acknowledged within the tenant's limit."""
    ctx = await context()
    for tenant_id in await ctx.runner.tenants():
        escalated = await escalate_for_tenant(ctx.records, tenant_id)
        if escalated:
            log.info("alerts escalated", tenant_id=str(tenant_id), escalated=escalated)


# New events for a tenant: look for alerts straight away rather than at the next sweep.
AFTER_CATCH_UP.append(run_detectors.send)
