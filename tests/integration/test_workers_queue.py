"""The default broker's queue (schema `dramatiq`, migration 0004): owned by the owner role, and the
application role may do exactly what dramatiq-postgres does, enqueue, claim, ack and dead-letter."""

from __future__ import annotations

import time
from typing import Any

import asyncpg
from dramatiq import Message
from dramatiq_postgres import PostgresBroker

from infra.database import asyncpg_dsn
from tests.conftest import MigratedDatabase


def claim(broker: PostgresBroker, queue: str, message_id: str) -> Any:
    consumer = broker.consume(queue, prefetch=1, timeout=200)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            proxy = next(consumer)
            if proxy is not None and proxy.message_id == message_id:
                return consumer, proxy
        raise AssertionError(f"{message_id} never claimed")
    except BaseException:
        consumer.close()
        raise


async def test_the_application_role_enqueues_claims_acks_and_dead_letters_through_the_queue(
    database: MigratedDatabase,
) -> None:
    broker = PostgresBroker(url=asyncpg_dsn(database.app), results=False)
    queue = f"test_{time.monotonic_ns()}"
    broker.declare_queue(queue)
    done = Message(queue_name=queue, actor_name="a", args=("x",), kwargs={}, options={})
    poison = Message(queue_name=queue, actor_name="a", args=("y",), kwargs={}, options={})
    try:
        broker.enqueue(done)
        broker.enqueue(poison)
        consumer, proxy = claim(broker, queue, done.message_id)
        consumer.ack(proxy)
        consumer.close()
        consumer, proxy = claim(broker, queue, poison.message_id)
        consumer.nack(proxy)
        consumer.close()
    finally:
        broker.close()

    conn = await asyncpg.connect(asyncpg_dsn(database.superuser))
    try:
        rows = await conn.fetch(
            "SELECT message_id::text, state::text FROM dramatiq.queue WHERE queue_name = $1", queue
        )
    finally:
        await conn.close()
    assert {r["message_id"]: r["state"] for r in rows} == {poison.message_id: "rejected"}


async def test_the_queue_belongs_to_the_owner_and_public_may_not_touch_it(
    database: MigratedDatabase,
) -> None:
    owner, app = database.settings.owner_role, database.settings.app_role
    conn = await asyncpg.connect(asyncpg_dsn(database.superuser))
    try:
        schema_owner = await conn.fetchval(
            "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'dramatiq'"
        )
        table_owners = await conn.fetch(
            "SELECT c.relname, c.relowner::regrole::text AS owner FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'dramatiq' AND c.relkind = 'r'"
        )
        public_schema = await conn.fetchval(
            "SELECT count(*) FROM pg_namespace n, aclexplode(n.nspacl) a"
            " WHERE n.nspname = 'dramatiq' AND a.grantee = 0"
        )
        app_may = {
            (table, privilege): await conn.fetchval(
                "SELECT has_table_privilege($1, $2, $3)", app, f"dramatiq.{table}", privilege
            )
            for table in ("queue", "pending_nudges")
            for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES")
        }
        app_may_create = await conn.fetchval(
            "SELECT has_schema_privilege($1, 'dramatiq', 'CREATE')", app
        )
    finally:
        await conn.close()
    assert schema_owner == owner
    # pending_nudges: the tenants with a catch_up_tenant nudge waiting (migration 0014).
    assert {t["relname"] for t in table_owners} == {"queue", "worker", "result", "pending_nudges"}
    assert {t["owner"] for t in table_owners} == {owner}
    assert public_schema == 0
    assert {p for p, allowed in app_may.items() if allowed} == {
        (table, privilege)
        for table in ("queue", "pending_nudges")
        for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE")
    }
    assert app_may_create is False
