"""Alert actors: run the detectors for a tenant (after its projections catch up, and on the
scheduler's sweep), and escalate unacknowledged alerts. Idempotent: running them again, or in
several processes at once, records nothing new (see workers/alert_reconcile.py)."""

from __future__ import annotations

import time
from dataclasses import asdict
from uuid import UUID

import dramatiq
import structlog

from workers.alert_reconcile import detect_for_tenant, escalate_for_tenant
from workers.delivery import fan_out_alerts
from workers.projections import AFTER_CATCH_UP
from workers.runtime import context

log = structlog.get_logger()


#: Tenant id → when this process last started a detection for it (time.time()).
_started: dict[str, float] = {}


@dramatiq.actor(queue_name="alerts")
async def run_detectors(tenant_id: str, sent_at: float | None = None) -> None:
    """Bring one tenant's projections up to date, then its alerts in line with the detectors.
    A message sent before a detection of the same tenant started in this process is skipped:
    that detection already saw the events behind it (so a burst of writes costs one sweep)."""
    if sent_at is not None and _started.get(tenant_id, 0.0) > sent_at:
        return
    _started[tenant_id] = time.time()
    ctx = await context()
    await ctx.runner.catch_up(UUID(tenant_id))
    tally = await detect_for_tenant(ctx.records, ctx.runner, UUID(tenant_id))
    if tally.any():
        log.info("alerts reconciled", tenant_id=tenant_id, **asdict(tally))
    if tally.raised:
        # Deliver now rather than at the next delivery sweep (which still catches a lost send).
        fan_out_alerts.send(tenant_id)


def detect_soon(tenant_id: str) -> None:
    """After a nudge took in new events: detect for the tenant now, not at the next sweep."""
    run_detectors.send(tenant_id, time.time())


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


AFTER_CATCH_UP.append(detect_soon)
