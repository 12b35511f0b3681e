"""Alert delivery actors: fan new alert events out to subscriptions, send each delivery, sweep,
and owe the daily digests.

Every actor is idempotent. Fan-out inserts delivery rows under unique keys (ON CONFLICT DO
NOTHING); an attempt first claims its row, so two messages for one delivery send it once; a lost
or delayed message is found again by the periodic sweep (due rows, and `sending` rows whose
worker died and whose lease ran out). Retries of a failed send are this module's own (backoff
in the row, a delayed message), not dramatiq's, so they survive restarts and show in the API.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from uuid import UUID

import dramatiq
import httpx
import structlog

from eventstore.connection import tenant_transaction
from services.alerts.delivery_attempt import Courier, attempt
from services.alerts.delivery_fanout import fan_out, owe_digests
from services.alerts.delivery_store import due
from services.kernel.calendar import ENGLAND
from services.kernel.handling import Records
from services.kernel.tenants import provider_tenants
from workers.runtime import context

log = structlog.get_logger()

QUEUE = "alert_delivery"
#: Days before yesterday the digest job still owes (a scheduler that was down catches up).
DIGEST_CATCH_UP_DAYS = 2

_couriers: dict[asyncio.AbstractEventLoop, Courier] = {}


async def courier() -> Courier:
    """This event loop's courier (one HTTP client per worker process, like the pool)."""
    loop = asyncio.get_running_loop()
    if (found := _couriers.get(loop)) is None:
        config = (await context()).delivery
        client = httpx.AsyncClient(timeout=config.webhook_timeout_seconds, follow_redirects=False)
        found = _couriers[loop] = Courier(config, client)
    return found


def _send_all(tenant_id: UUID, delivery_ids: list[UUID]) -> None:
    for delivery_id in delivery_ids:
        deliver_alert.send(str(tenant_id), str(delivery_id))


@dramatiq.actor(queue_name=QUEUE)
async def fan_out_alerts(tenant_id: str) -> None:
    """Owe the tenant's new alert events to its subscriptions, then send each new delivery."""
    tenant = UUID(tenant_id)
    _send_all(tenant, await fan_out((await context()).records, tenant))


@dramatiq.actor(queue_name=QUEUE)
async def deliver_alert(tenant_id: str, delivery_id: str) -> None:
    """One attempt at one delivery; after a failure the next attempt is sent delayed."""
    done = await attempt(
        (await context()).records, await courier(), UUID(tenant_id), UUID(delivery_id)
    )
    if done.status == "pending" and done.retry_in is not None:
        deliver_alert.send_with_options(
            args=(tenant_id, delivery_id), delay=int(done.retry_in * 1000) + 100
        )


async def sweep_tenant(records: Records, tenant_id: UUID) -> list[UUID]:
    """Fan the tenant's new alerts out and send every delivery that is due; returns those sent."""
    new = await fan_out(records, tenant_id)
    async with tenant_transaction(records.store.pool, tenant_id) as conn:
        waiting = await due(conn, tenant_id)
    sent = list(dict.fromkeys([*new, *waiting]))
    _send_all(tenant_id, sent)
    return sent


async def _every_tenant(records: Records, work: Callable[[UUID], Awaitable[object]]) -> None:
    """`work` for each tenant; one tenant's failure is logged and does not hold up the others
    (the next run tries it again)."""
    for tenant in await provider_tenants(records.store.pool):
        try:
            await work(tenant)
        except Exception:
            log.exception("alert delivery work failed for a tenant", tenant_id=str(tenant))


@dramatiq.actor(queue_name=QUEUE)
async def sweep_alert_deliveries() -> None:
    """For every tenant: fan out what is new and send what is due (retries whose message was
    lost, attempts whose worker died)."""
    records = (await context()).records
    await _every_tenant(records, lambda tenant: sweep_tenant(records, tenant))


def digest_days(now: datetime, digest_hour: int) -> list[date]:
    """The days whose digest is owed at `now`: yesterday once the digest hour has come in
    England, and the days before it that a stopped scheduler may have missed."""
    local = now.astimezone(ENGLAND)
    yesterday = local.date() - timedelta(days=1)
    first = yesterday if local.hour >= digest_hour else yesterday - timedelta(days=1)
    return [first - timedelta(days=n) for n in range(DIGEST_CATCH_UP_DAYS, -1, -1)]


@dramatiq.actor(queue_name=QUEUE)
async def owe_daily_digests() -> None:
    """Owe each e-mail digest subscription its digest of the days due, then send them."""
    ctx = await context()
    days = digest_days(datetime.now(ENGLAND), ctx.settings.digest_hour)

    async def owe(tenant: UUID) -> None:
        for day in days:
            _send_all(tenant, await owe_digests(ctx.records, tenant, day))

    await _every_tenant(ctx.records, owe)
