"""Workers as they run: real `caretrail api` / `worker` / `scheduler` processes, each test once
against the default postgresql:// broker and once against a real RabbitMQ."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest
from dramatiq import Message

from eventstore import EventStore, NewEvent, StreamRef
from infra.database import asyncpg_dsn
from projections import PROJECTIONS, Runner
from services.kernel.handling import Records
from tests.e2e.conftest import Group, LiveApi
from tests.e2e.live_processes import free_port
from workers.broker import broker_for

#: So long that only a nudge (or a test's own scheduler) can bring a projection up to date.
NO_SWEEP = {"CARETRAIL_PROJECTION_SWEEP_SECONDS": "3600"}


@pytest.fixture(params=["postgresql", "amqp"])
def broker_url(request: pytest.FixtureRequest) -> str | None:
    """None: the default broker (the test database); else the session's RabbitMQ."""
    return None if request.param == "postgresql" else str(request.getfixturevalue("rabbitmq_url"))


async def caught_up_to(runner: Runner, tenant_id: UUID, seq: int) -> bool:
    lags = await runner.lag(tenant_id)
    return len(lags) == len(PROJECTIONS) and all(lag.checkpoint >= seq for lag in lags)


async def wait_caught_up(runner: Runner, tenant_id: UUID, seq: int, timeout: float) -> float:
    """Seconds until every projection of the tenant has taken in `seq`; fails after `timeout`."""
    started = time.monotonic()
    while not await caught_up_to(runner, tenant_id, seq):
        assert time.monotonic() - started < timeout, f"projections never reached seq {seq}"
        await asyncio.sleep(0.01)
    return time.monotonic() - started


def home(n: int) -> dict[str, str]:
    return {
        "name": f"Home {n}",
        "service_type": "residential",
        "local_authority": "E08000025",
        "cqc_location_id": f"1-{300000 + n}",
    }


async def test_each_write_nudges_the_workers_to_catch_its_tenant_up(
    live_workers: Any, broker_url: str | None, fresh_group: Group, records: Records
) -> None:
    live = live_workers(broker_url, roles=("api", "worker"), env=NO_SWEEP)
    runner = Runner(records.store, PROJECTIONS)
    lags = []
    async with httpx.AsyncClient(base_url=live.api_url + "/api/v1", timeout=30) as api:
        for n in range(21):
            response = await api.post("/locations", json=home(n), headers=fresh_group.auth())
            assert response.status_code == 201, response.text
            seq = int(response.headers["Caretrail-Seq"])
            lags.append(await wait_caught_up(runner, fresh_group.tenant_id, seq, timeout=20))

    lags = sorted(lags[1:])  # the first write also opens the processes' connections
    p95 = lags[int(0.95 * (len(lags) - 1))]
    print(f"projection lag after a write ({broker_url or 'postgresql'}): p95 {p95:.3f}s")
    assert p95 < 1.0  # the target is 0.5 s (measured ~0.2 s); room for a loaded test machine
    caught = live.wait_for_log(
        "worker",
        lambda line: (
            line.get("event") == "projections caught up"
            and line.get("tenant_id") == str(fresh_group.tenant_id)
        ),
    )
    assert caught["actor"] == "catch_up_tenant" and caught["message_id"]


async def test_the_scheduler_sweeps_up_events_no_nudge_announced(
    live_workers: Any, broker_url: str | None, store: EventStore, records: Records
) -> None:
    tenant = uuid4()
    async with store.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO organisations (organisation_id, kind, name) VALUES ($1, 'provider', $2)",
            tenant, f"swept {tenant}",
        )  # fmt: skip
    for n in range(5):
        appended = await store.append(
            tenant, StreamRef("note", uuid4()), 0, [NewEvent("NoteAdded", {"n": n})]
        )
    runner = Runner(records.store, PROJECTIONS)
    assert not await caught_up_to(runner, tenant, appended.last_seq)

    live = live_workers(broker_url, env={"CARETRAIL_PROJECTION_SWEEP_SECONDS": "0.3"})

    await wait_caught_up(runner, tenant, appended.last_seq, timeout=30)
    assert live.stop() == {"worker": 0, "scheduler": 0}  # SIGTERM: both stop cleanly


async def test_a_poison_message_is_retried_then_dead_lettered_and_logged(
    live_workers: Any, broker_url: str | None, live_api: LiveApi
) -> None:
    live = live_workers(
        broker_url,
        roles=("worker",),
        env={"CARETRAIL_WORKER_MAX_RETRIES": "2", "CARETRAIL_WORKER_MIN_BACKOFF_MS": "50"},
    )
    sender = broker_for(broker_url or live_api.database.app)
    poison = Message(
        queue_name="projections",
        actor_name="catch_up_tenant",
        args=("not-a-tenant-id",),
        kwargs={},
        options={},
    )
    try:
        sender.enqueue(poison)
    finally:
        sender.close()

    dead = live.wait_for_log(
        "worker",
        lambda line: (
            line.get("event") == "message dead-lettered"
            and line.get("message_id") == poison.message_id
        ),
    )
    attempts = [
        line
        for line in live.log_lines("worker")
        if line.get("message_id") == poison.message_id and "ValueError" in str(line)
    ]
    assert dead["retries"] == 3 and dead["actor"] == "catch_up_tenant"
    assert "badly formed hexadecimal UUID string" in dead["error"]
    assert dead["tenant_id"] == "not-a-tenant-id"
    assert len(attempts) >= 3  # the first try and two retries each failed and said why
    retried = [
        line
        for line in live.log_lines("worker")
        if line.get("message_id") == poison.message_id
        and str(line.get("event")).startswith("Retrying message")
    ]
    assert len(retried) == 2  # with backoff, then no third retry: dead-lettered instead
    stored = await dead_letter(broker_url, live_api, poison.message_id)
    assert stored["actor_name"] == "catch_up_tenant"
    # PostgreSQL stores the message as it failed; RabbitMQ dead-letters the body it delivered
    # (as enqueued for the second retry).
    assert stored["options"]["retries"] == (3 if broker_url is None else 2)


async def dead_letter(broker_url: str | None, live_api: LiveApi, message_id: str) -> Any:
    """The dead-lettered message as the broker holds it."""
    if broker_url is None:
        conn = await asyncpg.connect(asyncpg_dsn(live_api.database.superuser))
        try:
            row = await conn.fetchrow(
                "SELECT state::text, message::text FROM dramatiq.queue WHERE message_id = $1",
                UUID(message_id),
            )
        finally:
            await conn.close()
        assert row is not None and row["state"] == "rejected"
        return json.loads(row["message"])
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(broker_url))
    try:
        channel = connection.channel()
        while True:
            method, _properties, body = channel.basic_get("projections.XQ", auto_ack=False)
            assert method is not None, f"{message_id} is not in projections.XQ"
            found = json.loads(body)
            if found["message_id"] == message_id:
                return found
    finally:
        connection.close()


async def test_a_write_answers_at_once_with_the_broker_down_and_the_sweep_catches_it_up(
    live_workers: Any, fresh_group: Group, records: Records, live_api: LiveApi
) -> None:
    nowhere = f"amqp://guest:guest@127.0.0.1:{free_port()}/%2F"  # nothing listens there
    live = live_workers(nowhere, roles=("api",), env=NO_SWEEP)
    async with httpx.AsyncClient(base_url=live.api_url + "/api/v1", timeout=30) as api:
        started = time.monotonic()
        response = await api.post("/locations", json=home(99), headers=fresh_group.auth())
        answered_in = time.monotonic() - started
    assert response.status_code == 201, response.text
    assert answered_in < 2.0
    live.wait_for_log(
        "api",
        lambda line: (
            line.get("event") == "nudge not sent"
            and line.get("tenant_id") == str(fresh_group.tenant_id)
        ),
    )
    seq = int(response.headers["Caretrail-Seq"])
    runner = Runner(records.store, PROJECTIONS)
    assert not await caught_up_to(runner, fresh_group.tenant_id, seq)

    # Drop the nudges the group's set-up queued, so only the sweep can bring the write in.
    conn = await asyncpg.connect(asyncpg_dsn(live_api.database.superuser))
    try:
        await conn.execute(
            "DELETE FROM dramatiq.queue WHERE message->>'actor_name' = 'catch_up_tenant'"
            " AND message->'args'->>0 = $1",
            str(fresh_group.tenant_id),
        )
    finally:
        await conn.close()
    live_workers(None, env={"CARETRAIL_PROJECTION_SWEEP_SECONDS": "0.3"})
    await wait_caught_up(runner, fresh_group.tenant_id, seq, timeout=30)
