"""Reads find their rows through their own index conditions, whatever plan PostgreSQL caches for
the prepared statement (migration 0013, services/access/schema.py): a stream read reads the
stream, a log batch reads the batch, never the tenant's whole history.

PostgreSQL plans a prepared statement's first five runs with their values and may then keep a
generic plan (`plan_cache_mode = auto`); `force_generic_plan` and `force_custom_plan` make each
choice now. Each read runs a few times on one connection in one transaction, and the rows it
read from events are the transaction's own statistics (pg_stat_xact_user_tables)."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest

from eventstore import EventStore, NewEvent, StreamRef
from eventstore.store import READ_LOG, READ_STREAM
from services.access.schema import EXTERNAL_READS
from tests.conftest import MigratedDatabase
from tests.integration.direct_sql import bind_tenant, connected

STREAMS, PER_STREAM = 30, 20


@pytest.fixture
async def history(store: EventStore, tenant: UUID) -> list[StreamRef]:
    """600 events of the tenant, 20 in each of 30 streams, interleaved."""
    streams = [StreamRef("audit", uuid4()) for _ in range(STREAMS)]
    for n in range(STREAMS * PER_STREAM):
        event = NewEvent("AuditNoted", {"n": n}, location_id=uuid4())
        await store.append(tenant, streams[n % STREAMS], n // STREAMS, [event])
    return streams


async def rows_read(conn: Any, statement: str, *args: Any, runs: int = 8) -> list[tuple[int, int]]:
    """For each run: (rows returned, rows of events the run read)."""
    read = "SELECT seq_tup_read + coalesce(idx_tup_fetch, 0) FROM pg_stat_xact_user_tables"
    read += " WHERE relid = 'events'::regclass"
    seen, before = [], await conn.fetchval(read)
    for _ in range(runs):
        returned = len(await conn.fetch(statement, *args))
        after = await conn.fetchval(read)
        seen.append((returned, after - before))
        before = after
    return seen


@pytest.mark.parametrize("mode", ["force_generic_plan", "force_custom_plan", "auto"])
async def test_a_stream_read_and_a_log_batch_read_only_their_rows(
    database: MigratedDatabase, tenant: UUID, history: list[StreamRef], mode: str
) -> None:
    async with connected(database.app) as conn, conn.transaction():
        await bind_tenant(conn, tenant)
        await conn.execute(f"SET LOCAL plan_cache_mode = {mode}")
        stream = await rows_read(conn, READ_STREAM, tenant, history[0].id, None, None)
        batch = await rows_read(conn, READ_LOG, tenant, 590, 500)
    assert stream == [(PER_STREAM, PER_STREAM)] * 8
    assert batch == [(10, 10)] * 8


async def test_every_external_read_policy_is_guarded_so_no_index_matches_it(
    database: MigratedDatabase,
) -> None:
    """PostgreSQL ORs a table's permissive policies. Unguarded, an external-read condition that
    an index can match lets the planner make a bitmap OR scan of the policies; on a database of
    a few large tenants (a scratch copy measured with this file's reads: 14 tenants, 48,000
    events) the generic plan of a log batch then read all 600 events of the tenant instead of
    10, and a stream read all 600 instead of 20. Behind `CASE WHEN access_external_org() IS
    NULL` no index matches it."""
    async with connected(database.superuser) as conn:
        policies = await conn.fetch(
            "SELECT tablename, policyname, cmd, qual FROM pg_policies"
            " WHERE schemaname = 'public' AND policyname LIKE '%external_read'"
        )
    assert {p["policyname"] for p in policies} == {name for name, _, _ in EXTERNAL_READS}
    for policy in policies:
        assert policy["cmd"] == "SELECT"
        assert (
            policy["qual"]
            .strip()
            .startswith("CASE\n    WHEN (access_external_org() IS NULL) THEN false\n")
        ), policy["policyname"]
