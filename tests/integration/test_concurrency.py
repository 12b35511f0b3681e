"""Concurrent appends: optimistic concurrency per stream, gapless commit-ordered seqs per tenant."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from uuid import UUID, uuid4

import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine

from eventstore import ConcurrencyError, EventStore, NewEvent, StreamRef, verify_chain
from eventstore.connection import raw_connection, tenant_transaction
from infra.database import create_engine
from tests.conftest import MigratedDatabase

TENANTS = 8
APPENDS_PER_TENANT = 200
ROLLBACK_SHARE = 0.1
IN_FLIGHT = 24
READ_BATCH = 50


class WriterChangedItsMind(Exception):
    """Raised inside an append's transaction to roll it back after the rows were written."""


@pytest_asyncio.fixture(loop_scope="session")
async def wide_engine(database: MigratedDatabase) -> AsyncIterator[AsyncEngine]:
    """An app-role engine with room for 50 connections held at once (30 + 30 overflow)."""
    engine = create_engine(database.app, pool_size=30)
    yield engine
    await engine.dispose()


async def stored_seqs(engine: AsyncEngine, tenant_id: UUID) -> list[int]:
    async with tenant_transaction(engine, tenant_id) as conn:
        rows = await conn.fetch(
            "SELECT seq FROM events WHERE tenant_id = $1 ORDER BY seq", tenant_id
        )
    return [r["seq"] for r in rows]


async def test_fifty_racing_appends_to_one_stream_let_exactly_one_through(
    store: EventStore, wide_engine: AsyncEngine, tenant: UUID
) -> None:
    racing = EventStore(wide_engine, store.keyring)
    stream = StreamRef("note", uuid4())
    await racing.append(tenant, stream, 0, [NewEvent("NoteAdded", {"n": 0})])

    outcomes = await asyncio.gather(
        *(
            racing.append(tenant, stream, 1, [NewEvent("NoteAdded", {"n": i})])
            for i in range(1, 51)
        ),
        return_exceptions=True,
    )

    won = [o for o in outcomes if not isinstance(o, BaseException)]
    lost = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(won) == 1
    assert (won[0].stream_version, won[0].last_seq) == (2, 2)
    assert len(lost) == 49
    assert all(isinstance(e, ConcurrencyError) and (e.expected, e.actual) == (1, 2) for e in lost)
    events = await store.read_stream(tenant, stream.id)
    assert [e.version for e in events] == [1, 2]
    assert await stored_seqs(store.engine, tenant) == [1, 2]
    assert (await store.head(tenant))[0] == 2


async def test_fifty_racing_appends_to_separate_streams_all_land_gaplessly(
    store: EventStore, wide_engine: AsyncEngine, tenant: UUID
) -> None:
    racing = EventStore(wide_engine, store.keyring)

    results = await asyncio.gather(
        *(
            racing.append(tenant, StreamRef("note", uuid4()), 0, [NewEvent("NoteAdded", {})])
            for _ in range(50)
        )
    )

    assert sorted(r.last_seq for r in results) == list(range(1, 51))
    assert await stored_seqs(store.engine, tenant) == list(range(1, 51))
    assert (await verify_chain(store.engine, tenant)).ok


@dataclass
class TenantRun:
    """One tenant's run: which appends committed, which rolled back, what its reader saw."""

    tenant_id: UUID = field(default_factory=uuid4)
    committed: set[UUID] = field(default_factory=set)
    rolled_back: set[UUID] = field(default_factory=set)
    seen: list[tuple[int, UUID]] = field(default_factory=list)


async def append_slowly(
    store: EventStore,
    engine: AsyncEngine,
    run: TenantRun,
    gate: asyncio.Semaphore,
    rng: random.Random,
) -> None:
    """One append whose transaction dawdles before and after writing, and sometimes rolls back."""
    event = NewEvent("NoteAdded", {"by": "writer"})
    give_up = rng.random() < ROLLBACK_SHARE
    pause_before, pause_after = rng.uniform(0, 0.004), rng.uniform(0, 0.008)
    async with gate, raw_connection(engine) as conn:
        try:
            async with conn.transaction():
                await asyncio.sleep(pause_before)
                await store.append_in(conn, run.tenant_id, StreamRef("note", uuid4()), 0, [event])
                await asyncio.sleep(pause_after)  # the head lock is held: later appends wait
                if give_up:
                    raise WriterChangedItsMind
        except WriterChangedItsMind:
            run.rolled_back.add(event.event_id)
            return
    run.committed.add(event.event_id)


async def follow_log(store: EventStore, run: TenantRun, writers_done: asyncio.Event) -> None:
    """Poll from a checkpoint as a projection would, until the writers are done and all is read."""
    checkpoint = 0
    while True:
        finished = writers_done.is_set()  # read before the batch, so the last batch misses nothing
        batch = await store.read_log(run.tenant_id, after_seq=checkpoint, limit=READ_BATCH)
        run.seen += [(e.seq, e.event_id) for e in batch]
        if batch:
            checkpoint = batch[-1].seq
        elif finished:
            return
        else:
            await asyncio.sleep(0.002)


async def test_readers_following_slow_rolled_back_writers_see_each_commit_once_in_order(
    store: EventStore, wide_engine: AsyncEngine
) -> None:
    rng = random.Random(20240611)
    runs = [TenantRun() for _ in range(TENANTS)]
    gate = asyncio.Semaphore(IN_FLIGHT)
    writers_done = asyncio.Event()
    readers = [asyncio.create_task(follow_log(store, run, writers_done)) for run in runs]
    writes = [
        append_slowly(store, wide_engine, run, gate, rng)
        for run in runs
        for _ in range(APPENDS_PER_TENANT)
    ]
    rng.shuffle(writes)

    try:
        await asyncio.gather(*writes)
    finally:
        writers_done.set()
    await asyncio.wait_for(asyncio.gather(*readers), timeout=60)

    for run in runs:
        assert len(run.committed) + len(run.rolled_back) == APPENDS_PER_TENANT
        assert run.rolled_back, "the run should have rolled some appends back"
        n = len(run.committed)
        assert await stored_seqs(store.engine, run.tenant_id) == list(range(1, n + 1))
        assert [seq for seq, _ in run.seen] == list(range(1, n + 1))
        seen_ids = [event_id for _, event_id in run.seen]
        assert len(set(seen_ids)) == len(seen_ids) == n
        assert set(seen_ids) == run.committed
        assert not set(seen_ids) & run.rolled_back
        report = await verify_chain(store.engine, run.tenant_id)
        assert (report.ok, report.checked) == (True, n)
