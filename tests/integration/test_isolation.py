"""Tenant isolation and immutability as PostgreSQL enforces them, whatever the application does."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest

from eventstore import EventStore, NewEvent, StreamRef
from eventstore.schema import APPEND_ONLY_TABLES, TENANT_TABLES
from tests.conftest import MigratedDatabase
from tests.integration.direct_sql import bind_tenant, connected

CHANGES = {
    "UPDATE": "UPDATE {table} SET tenant_id = tenant_id",
    "DELETE": "DELETE FROM {table}",
    "TRUNCATE": "TRUNCATE {table}",
}


async def fill_every_table(store: EventStore, tenant_id: UUID) -> None:
    """Give the tenant rows in every tenant table: events, a head, an idempotency key, a live
    subject key and an erased subject."""
    kept, erased = uuid4(), uuid4()
    for subject in (kept, erased):
        person = NewEvent("PersonRegistered", {"role": "resident"}, {"name": "A. Person"}, subject)
        await store.append(
            tenant_id, StreamRef("person", uuid4()), 0, [person], idempotency_key=f"{subject}"
        )
    await store.erase_subject(tenant_id, erased)


async def count_rows(conn: Any, table: str, where: str = "true", *args: Any) -> int:
    return int(await conn.fetchval(f"SELECT count(*) FROM {table} WHERE {where}", *args))


@pytest.fixture
async def two_tenants(store: EventStore) -> tuple[UUID, UUID]:
    a, b = uuid4(), uuid4()
    await fill_every_table(store, a)
    await fill_every_table(store, b)
    return a, b


@pytest.mark.parametrize("change", CHANGES)
async def test_the_app_role_cannot_change_or_remove_events(
    database: MigratedDatabase, store: EventStore, tenant: UUID, change: str
) -> None:
    await store.append(tenant, StreamRef("note", uuid4()), 0, [NewEvent("NoteAdded", {"n": 1})])

    async with connected(database.app) as conn:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with conn.transaction():
                await bind_tenant(conn, tenant)
                await conn.execute(CHANGES[change].format(table="events"))
        async with conn.transaction():
            await bind_tenant(conn, tenant)
            assert await count_rows(conn, "events") == 1


@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
@pytest.mark.parametrize("change", CHANGES)
async def test_even_the_owner_cannot_change_append_only_tables(
    database: MigratedDatabase, store: EventStore, tenant: UUID, change: str, table: str
) -> None:
    await fill_every_table(store, tenant)

    async with connected(database.owner) as conn:
        async with conn.transaction():
            await bind_tenant(conn, tenant)  # RLS is forced on the owner too: let it see the rows
            before = await count_rows(conn, table)
        assert before > 0
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            async with conn.transaction():
                await bind_tenant(conn, tenant)
                await conn.execute(CHANGES[change].format(table=table))
        async with conn.transaction():
            await bind_tenant(conn, tenant)
            assert await count_rows(conn, table) == before


async def test_with_no_tenant_bound_every_table_is_empty_and_refuses_rows(
    database: MigratedDatabase, two_tenants: tuple[UUID, UUID]
) -> None:
    a, _ = two_tenants
    async with connected(database.superuser) as conn:
        for table in TENANT_TABLES:
            assert await count_rows(conn, table, "tenant_id = $1", a) > 0, table

    async with connected(database.app) as conn:
        for table in TENANT_TABLES:
            assert await count_rows(conn, table) == 0, table
        async with conn.transaction():
            await conn.execute(
                "SELECT set_config('app.tenant_id', '', true)"
            )  # empty counts as unset
            for table in TENANT_TABLES:
                assert await count_rows(conn, table) == 0, table
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
            await conn.execute(
                "INSERT INTO tenant_heads (tenant_id, seq, chain_hash) VALUES ($1, 0, $2)",
                uuid4(),
                bytes(32),
            )
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
            await insert_event(conn, a, seq=10_000)


async def test_a_bound_tenant_sees_only_its_own_rows_in_every_table(
    database: MigratedDatabase, two_tenants: tuple[UUID, UUID]
) -> None:
    a, b = two_tenants
    async with connected(database.app) as conn:
        async with conn.transaction():
            await bind_tenant(conn, a)
            for table in TENANT_TABLES:
                assert await count_rows(conn, table, "tenant_id = $1", a) > 0, table
                assert await count_rows(conn, table, "tenant_id = $1", b) == 0, table
                assert await count_rows(conn, table, "tenant_id <> $1", a) == 0, table
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
            async with conn.transaction():
                await bind_tenant(conn, a)
                await insert_event(conn, b, seq=10_000)
        # SET LOCAL ends with its transaction: so the next one here sees nothing
        assert await count_rows(conn, "events") == 0


async def insert_event(conn: Any, tenant_id: UUID, seq: int) -> None:
    await conn.execute(
        "INSERT INTO events (tenant_id, seq, event_id, stream_type, stream_id, version, event_type,"
        " data, recorded_at, chain_hash) VALUES ($1, $2, $3, 'note', $4, 1, 'NoteAdded', '{}',"
        " now(), $5)",
        tenant_id,
        seq,
        uuid4(),
        uuid4(),
        bytes(32),
    )


async def test_the_catalog_forces_row_level_security_and_grants_the_app_only_what_it_needs(
    database: MigratedDatabase,
) -> None:
    app, owner = database.settings.app_role, database.settings.owner_role
    async with connected(database.superuser) as conn:
        tables = await conn.fetch(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,"
            "       (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies"
            "  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
            "   AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid"
            "               AND a.attname = 'tenant_id' AND NOT a.attisdropped)"
        )
        role = await conn.fetchrow(
            "SELECT oid, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1", app
        )
        owned_by_app = await conn.fetch(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relowner = $1 AND n.nspname NOT IN ('pg_catalog', 'information_schema')",
            role["oid"],
        )
        app_is_owner = await conn.fetchval("SELECT pg_has_role($1, $2, 'MEMBER')", app, owner)
        may = {
            privilege: await conn.fetchval(
                "SELECT has_table_privilege($1, 'events', $2)", app, privilege
            )
            for privilege in (
                "SELECT",
                "INSERT",
                "UPDATE",
                "DELETE",
                "TRUNCATE",
                "REFERENCES",
                "TRIGGER",
            )
        }
        granted = await conn.fetch(
            "SELECT coalesce(r.rolname, 'PUBLIC') AS grantee, a.privilege_type"
            "  FROM pg_class c, aclexplode(c.relacl) a LEFT JOIN pg_roles r ON r.oid = a.grantee"
            " WHERE c.oid = 'events'::regclass"
        )

    assert {t["relname"] for t in tables} >= set(TENANT_TABLES)
    for t in tables:
        assert (t["relname"], t["relrowsecurity"], t["relforcerowsecurity"]) == (
            t["relname"],
            True,
            True,
        )
        assert t["policies"] >= 1, t["relname"]
    assert (role["rolsuper"], role["rolbypassrls"]) == (False, False)
    assert owned_by_app == []
    assert app_is_owner is False
    assert {p for p, allowed in may.items() if allowed} == {"SELECT", "INSERT"}
    assert {g["privilege_type"] for g in granted if g["grantee"] == app} == {"SELECT", "INSERT"}
    assert [g for g in granted if g["grantee"] == "PUBLIC"] == []
