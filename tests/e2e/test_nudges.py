"""Under sustained writes at most one `catch_up_tenant` nudge per tenant waits in the queue, on
the default postgresql:// broker and on RabbitMQ alike (issue 14 item 15: 13,447 had piled up):
the API's nudger claims the tenant in dramatiq.pending_nudges before it sends, and the actor
releases it as it starts. No worker runs here, so every message sent stays queued."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import dramatiq
import pytest

from infra.database import asyncpg_dsn
from infra.settings import Settings
from tests.e2e.conftest import LiveApi
from workers.broker import broker_for, describe, middleware_for
from workers.nudge import RELEASE_SQL, Nudger, catch_up_nudger


@pytest.fixture(params=["postgresql", "amqp"])
def broker(request: pytest.FixtureRequest, live_api: LiveApi) -> Iterator[dramatiq.Broker]:
    url = live_api.database.app if request.param == "postgresql" else None
    url = url or str(request.getfixturevalue("rabbitmq_url"))
    made = broker_for(url, middleware_for(Settings()))
    made.caretrail_name = describe(url)  # type: ignore[attr-defined]
    made.declare_queue("projections")
    yield made
    made.close()


def queued(broker: dramatiq.Broker, tenants: list[UUID]) -> dict[UUID, int]:
    """catch_up_tenant messages waiting for each tenant (read back from the broker itself)."""
    counts = dict.fromkeys(tenants, 0)
    consumer = broker.consume("projections", prefetch=1000, timeout=200)
    try:
        for message in consumer:
            if message is None:
                break
            if message.actor_name == "catch_up_tenant" and UUID(message.args[0]) in counts:
                counts[UUID(message.args[0])] += 1
            consumer.ack(message)
    finally:
        consumer.close()
    return counts


def burst(nudger: Nudger, tenants: list[UUID], writes: int) -> None:
    """`writes` write answers per tenant, each batch sent before the next arrives."""
    for _ in range(writes):
        for tenant in tenants:
            nudger(tenant)
        assert nudger.wait_sent()


async def test_sustained_writes_leave_at_most_one_nudge_per_tenant_queued(
    broker: dramatiq.Broker, live_api: LiveApi
) -> None:
    tenants = [uuid4(), uuid4(), uuid4()]
    nudger = catch_up_nudger(broker, asyncpg_dsn(live_api.database.app), broker.caretrail_name)
    try:
        burst(nudger, tenants, writes=40)
        assert queued(broker, tenants) == dict.fromkeys(tenants, 1)

        # A worker starting the first tenant's catch-up releases it: its next write nudges again.
        conn: Any = await asyncpg.connect(asyncpg_dsn(live_api.database.app))
        try:
            await conn.execute(RELEASE_SQL, tenants[0])
            burst(nudger, tenants, writes=10)
            assert queued(broker, tenants) == {tenants[0]: 1, tenants[1]: 0, tenants[2]: 0}

            # A claim a worker never took (the message was lost) is taken again once it is old,
            # by the database's clock.
            await conn.execute(
                "UPDATE dramatiq.pending_nudges SET sent_at = now() - interval '1 hour'"
                " WHERE tenant_id = $1",
                tenants[1],
            )
            burst(nudger, tenants, writes=10)
            assert queued(broker, tenants) == {tenants[0]: 0, tenants[1]: 1, tenants[2]: 0}
        finally:
            await conn.close()
    finally:
        nudger.close()
