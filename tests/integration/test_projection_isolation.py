"""Row-level security on the projection tables: one tenant never sees or writes another's rows."""

from __future__ import annotations

from uuid import UUID, uuid4

import asyncpg
import pytest

from eventstore import EventStore
from projections import RECORD_COUNTS, Runner
from projections.schema import TENANT_TABLES
from tests.conftest import MigratedDatabase
from tests.integration.direct_sql import bind_tenant, connected
from tests.integration.test_projection_runner import History


async def count_rows(conn: asyncpg.Connection, table: str, where: str, *args: object) -> int:
    return int(await conn.fetchval(f"SELECT count(*) FROM {table} WHERE {where}", *args))


@pytest.fixture
async def two_projected_tenants(store: EventStore) -> tuple[UUID, UUID]:
    a, b = uuid4(), uuid4()
    runner = Runner(store, [RECORD_COUNTS])
    for tenant in (a, b):
        await History(store, tenant).append(5)
        await runner.catch_up(tenant)
    return a, b


async def test_with_tenant_a_bound_the_app_sees_none_of_tenant_bs_projection_rows(
    database: MigratedDatabase, two_projected_tenants: tuple[UUID, UUID]
) -> None:
    a, b = two_projected_tenants
    async with connected(database.app) as conn:
        async with conn.transaction():
            await bind_tenant(conn, a)
            for table in TENANT_TABLES:
                assert await count_rows(conn, table, "tenant_id = $1", a) > 0, table
                assert await count_rows(conn, table, "tenant_id <> $1", a) == 0, table
        for table in TENANT_TABLES:  # no tenant bound: nothing at all
            assert await count_rows(conn, table, "true") == 0, table
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
            async with conn.transaction():
                await bind_tenant(conn, a)
                await conn.execute(
                    "INSERT INTO projection_documents (tenant_id, projection, generation, doc_id,"
                    " doc) VALUES ($1, 'record_counts', 1, 'planted', '{}')",
                    b,
                )
        async with conn.transaction():
            await bind_tenant(conn, a)
            changed = await conn.execute(
                "UPDATE projection_checkpoints SET last_seq = 0 WHERE tenant_id = $1", b
            )
            assert changed == "UPDATE 0"


async def test_the_app_role_cannot_create_tables_so_rebuilds_write_generations_instead(
    database: MigratedDatabase,
) -> None:
    async with connected(database.app) as conn:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("CREATE TABLE record_counts_rebuild (tenant_id uuid)")
