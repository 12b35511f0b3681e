"""Listing API keys and subscriptions costs the same few statements however many rows a page
holds: the index is read once and the page's streams once (each row's stream used to be read on
its own). Counted on the real database by asyncpg's query logger."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest_asyncio

from eventstore import EventStore, Keyring
from eventstore.connection import init_connection
from infra.database import asyncpg_dsn
from services import catalog
from services.alerts import subscriptions_controller
from services.api_keys import controller as api_keys_controller
from services.api_keys.decide import API_KEYS, new_key
from services.http.principal import Principal
from services.kernel.handling import Caller, Records
from tests.conftest import MigratedDatabase
from tests.integration.alert_delivery_support import subscribe_webhook


class Counted:
    """The reads of our tables a connection ran (not BEGIN, COMMIT, the binding's SET LOCAL, the
    pool's reset or asyncpg's own type introspection)."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, record: Any) -> None:
        if " FROM " in record.query.upper() and "pg_catalog" not in record.query:
            self.statements.append(" ".join(record.query.split()))


@pytest_asyncio.fixture(loop_scope="session")
async def counted(database: MigratedDatabase) -> AsyncIterator[tuple[Records, Counted]]:
    """Records on a pool whose every statement is logged."""
    log = Counted()

    async def init(conn: asyncpg.Connection) -> None:
        await init_connection(conn)
        conn.add_query_logger(log)

    pool = await asyncpg.create_pool(asyncpg_dsn(database.app), min_size=1, max_size=2, init=init)
    store = EventStore(pool, Keyring.from_base64(database.kek))
    yield Records(store, catalog.event_registry()), log
    await pool.close()


def admin(tenant: UUID) -> Principal:
    return Principal(uuid4(), tenant, "provider", ("group_admin",), ())


async def statements_listing(handler: Any, records: Records, log: Counted, tenant: UUID) -> int:
    log.statements.clear()
    page = await handler.fn(principal=admin(tenant), records=records, cursor=None, limit=50)
    assert page.next_cursor is None
    return len(log.statements)


async def issue_keys(records: Records, tenant: UUID, count: int) -> None:
    for n in range(count):
        _plaintext, command = new_key(tenant, f"key {n}", "read")
        caller = Caller(tenant, uuid4(), tenant)
        await records.execute(caller, API_KEYS, command.key_id, command, creating=True)


async def test_api_keys_list_reads_a_page_in_the_same_statements_for_one_row_or_twenty(
    counted: tuple[Records, Counted],
) -> None:
    records, log = counted
    one, twenty = uuid4(), uuid4()
    await issue_keys(records, one, 1)
    await issue_keys(records, twenty, 20)
    handler = api_keys_controller.listing
    for_one = await statements_listing(handler, records, log, one)
    for_twenty = await statements_listing(handler, records, log, twenty)
    assert for_twenty == for_one, log.statements
    page = await handler.fn(principal=admin(twenty), records=records, cursor=None, limit=50)
    assert sorted(k.name for k in page.items) == sorted(f"key {n}" for n in range(20))


async def test_subscriptions_list_reads_a_page_in_the_same_statements_for_one_row_or_twenty(
    counted: tuple[Records, Counted],
) -> None:
    records, log = counted
    one, twenty = uuid4(), uuid4()
    await subscribe_webhook(records, one, "https://hooks.example/one")
    for n in range(20):
        await subscribe_webhook(records, twenty, f"https://hooks.example/{n}")
    handler = subscriptions_controller.listing
    log.statements.clear()
    await handler.fn(principal=admin(one), records=records, status=None, cursor=None, limit=50)
    for_one = len(log.statements)
    log.statements.clear()
    page = await handler.fn(
        principal=admin(twenty), records=records, status=None, cursor=None, limit=50
    )
    assert len(log.statements) == for_one, log.statements
    # Each item decrypted from the one read of the page's streams.
    assert sorted(i.record.url for i in page.items) == sorted(
        f"https://hooks.example/{n}" for n in range(20)
    )
