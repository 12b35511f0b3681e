"""The tenant head as migration 0009 advances it: one UPDATE ... RETURNING without an idempotency
key, lock-then-replay-then-advance with one; a tenant's first appends racing to create it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from uuid import UUID, uuid4

import asyncpg
import pytest
import pytest_asyncio

from eventstore import ConcurrencyError, EventStore, NewEvent, StreamRef, verify_chain
from infra.database import asyncpg_dsn, open_database
from tests.conftest import MigratedDatabase
from tests.migrations import revision

RACERS = 40


@pytest_asyncio.fixture(loop_scope="session")
async def racing(database: MigratedDatabase, store: EventStore) -> AsyncIterator[EventStore]:
    """A store whose pool holds a connection per racer, so all of them are in flight at once."""
    pool = await open_database(database.app, pool_size=RACERS)
    yield EventStore(pool, store.keyring)
    await pool.close()


async def test_first_appends_with_and_without_keys_race_onto_one_gapless_chain(
    racing: EventStore, tenant: UUID
) -> None:
    results = await asyncio.gather(
        *(
            racing.append(
                tenant,
                StreamRef("note", uuid4()),
                0,
                [NewEvent("NoteAdded", {"n": i})],
                idempotency_key=f"key-{i}" if i % 2 else None,
            )
            for i in range(RACERS)
        )
    )

    assert sorted(r.last_seq for r in results) == list(range(1, RACERS + 1))
    assert not any(r.duplicate for r in results)
    assert (await racing.head(tenant))[0] == RACERS
    report = await verify_chain(racing.pool, tenant)
    assert report.ok
    assert (report.checked, report.head_seq) == (RACERS, RACERS)


async def test_one_key_racing_on_a_new_tenant_stores_once_and_answers_the_rest_as_replays(
    racing: EventStore, tenant: UUID
) -> None:
    stream = StreamRef("note", uuid4())

    results = await asyncio.gather(
        *(
            racing.append(tenant, stream, 0, [NewEvent("NoteAdded", {})], idempotency_key="once")
            for _ in range(RACERS)
        )
    )

    assert sorted(r.duplicate for r in results) == [False] + [True] * (RACERS - 1)
    assert {(r.stream_version, r.last_seq) for r in results} == {(1, 1)}
    assert len(await racing.read_stream(tenant, stream.id)) == 1
    assert (await racing.head(tenant))[0] == 1


async def test_a_refused_append_leaves_the_head_where_it_was(
    store: EventStore, tenant: UUID
) -> None:
    stream = StreamRef("note", uuid4())
    await store.append(tenant, stream, 0, [NewEvent("NoteAdded", {})])
    before = await store.head(tenant)

    for expected in (0, 2):  # too low and too high: the head moved first, then the check failed
        with pytest.raises(ConcurrencyError):
            await store.append(tenant, stream, expected, [NewEvent("NoteAdded", {})])

    assert await store.head(tenant) == before
    assert (await store.append(tenant, stream, 1, [NewEvent("NoteAdded", {})])).last_seq == 2
    assert (await verify_chain(store.pool, tenant)).ok


async def test_migration_0009_downgrades_and_upgrades_and_both_functions_append(
    database: MigratedDatabase,
) -> None:
    """Inside a transaction that is rolled back, so the session's database keeps 0009's."""
    conn = await asyncpg.connect(asyncpg_dsn(database.owner))
    tenant = uuid4()
    call = (
        "SELECT last_seq FROM eventstore_append_one($1, 'note', $2, 0, NULL, NULL, '{}', now(),"
        " $3, 'NoteAdded', 1, '{}', NULL, NULL, NULL, $4, NULL, NULL)"
    )
    try:
        async with conn.transaction():
            seqs = []
            migration = revision("0009_append_path")
            for statements in (migration.DOWNGRADE, migration.UPGRADE):
                for statement in statements:
                    await conn.execute(statement)
                seqs.append(await conn.fetchval(call, tenant, uuid4(), uuid4(), bytes(32)))
            assert seqs == [1, 2]
            raise _RollBack
    except _RollBack:
        pass
    finally:
        await conn.close()


class _RollBack(Exception):
    pass
