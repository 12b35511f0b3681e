"""The projection runner on real PostgreSQL: exactly once, rebuild and swap, races, lag."""

from __future__ import annotations

import asyncio
import dataclasses
import random
from collections import Counter
from collections.abc import Sequence
from typing import Any
from uuid import UUID, uuid4

import msgspec

from eventstore import EventStore, NewEvent, RecordedEvent, StreamRef
from projections import RECORD_COUNTS, Document, Runner
from tests.conftest import MigratedDatabase
from tests.integration.direct_sql import bind_tenant, connected

HOMES = (uuid4(), uuid4(), None)
STREAM_TYPES = ("incident", "action", "audit")

Counts = dict[tuple[str | None, str], tuple[int, int]]


class History:
    """Appends a tenant's events: new records and further changes to earlier ones, at random
    homes (or none), one append at a time, as the command path would."""

    def __init__(self, store: EventStore, tenant_id: UUID, seed: int = 4) -> None:
        self.store, self.tenant_id = store, tenant_id
        self.random = random.Random(seed)
        self.streams: list[tuple[StreamRef, UUID | None]] = []
        self.versions: dict[UUID, int] = {}

    async def append(self, events: int) -> None:
        for _ in range(events):
            if not self.streams or self.random.random() < 0.4:
                stream = StreamRef(self.random.choice(STREAM_TYPES), uuid4())
                self.streams.append((stream, self.random.choice(HOMES)))
            stream, home = self.random.choice(self.streams)
            version = self.versions.get(stream.id, 0)
            event = NewEvent(f"{stream.type.title()}Noted", {"n": version}, location_id=home)
            await self.store.append(self.tenant_id, stream, version, [event])
            self.versions[stream.id] = version + 1


def counted(events: Sequence[RecordedEvent]) -> Counts:
    """What record_counts must say, worked out here straight from the log."""
    records: Counter[tuple[str | None, str]] = Counter()
    seen: Counter[tuple[str | None, str]] = Counter()
    for e in events:
        key = (str(e.location_id) if e.location_id else None, e.stream_type)
        seen[key] += 1
        records[key] += e.version == 1
    return {key: (records[key], seen[key]) for key in seen}


async def counted_from_log(store: EventStore, tenant_id: UUID, up_to: int | None = None) -> Counts:
    events = await store.read_log(tenant_id, 0, 1_000_000)
    return counted([e for e in events if up_to is None or e.seq <= up_to])


def as_counts(documents: dict[str, Document]) -> Counts:
    return {
        (doc["location_id"], doc["stream_type"]): (doc["records"], doc["events"])
        for doc in documents.values()
    }


async def stored(database: MigratedDatabase, tenant_id: UUID) -> dict[str, Any]:
    """Every projection row of the tenant, as the application role sees them."""
    async with connected(database.app) as conn, conn.transaction():
        await bind_tenant(conn, tenant_id)
        generations = await conn.fetch("SELECT * FROM projection_generations")
        checkpoints = await conn.fetch(
            "SELECT projection, generation, last_seq FROM projection_checkpoints"
        )
        documents = await conn.fetch(
            "SELECT projection, generation, doc_id, doc::text AS doc, summary::text AS summary"
            " FROM projection_documents ORDER BY projection, generation, doc_id"
        )
    return {
        "generations": [dict(r) for r in generations],
        "checkpoints": sorted(tuple(r) for r in checkpoints),
        "documents": [
            (r["projection"], r["generation"], r["doc_id"], msgspec.json.decode(r["doc"]))
            for r in documents
        ],
        "summaries": {
            (r["projection"], r["doc_id"]): r["summary"] and msgspec.json.decode(r["summary"])
            for r in documents
        },
    }


def without_generation(rows: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(name, doc_id, doc) for name, _generation, doc_id, doc in rows["documents"]]


async def test_catch_up_applies_each_event_exactly_once(store: EventStore, tenant: UUID) -> None:
    history, runner = History(store, tenant), Runner(store, [RECORD_COUNTS], batch_size=7)
    await history.append(30)

    assert await runner.catch_up(tenant) == {"record_counts": 30}
    assert await runner.catch_up(tenant) == {"record_counts": 0}
    await history.append(12)
    assert await runner.catch_up(tenant) == {"record_counts": 12}

    documents = await runner.documents(tenant, "record_counts")
    assert as_counts(documents) == await counted_from_log(store, tenant)
    assert sum(doc["events"] for doc in documents.values()) == 42


async def test_a_rebuild_from_seq_1_gives_exactly_the_incremental_rows(
    database: MigratedDatabase, store: EventStore, tenant: UUID
) -> None:
    summarized = dataclasses.replace(RECORD_COUNTS, summary=lambda doc: {"n": doc["events"]})
    history, runner = History(store, tenant), Runner(store, [summarized], batch_size=5)
    for events in (9, 1, 17, 4):
        await history.append(events)
        await runner.catch_up(tenant)
    incremental = await stored(database, tenant)

    assert await runner.rebuild("record_counts", tenant) == 1
    rebuilt = await stored(database, tenant)

    assert without_generation(rebuilt) == without_generation(incremental)
    assert rebuilt["summaries"] == incremental["summaries"]
    assert sum(s["n"] for s in rebuilt["summaries"].values()) == 31
    assert [g["live_generation"] for g in rebuilt["generations"]] == [2]
    assert {generation for _, generation, _, _ in rebuilt["documents"]} == {2}
    assert rebuilt["checkpoints"] == [("record_counts", 2, 31)]
    assert incremental["checkpoints"] == [("record_counts", 1, 31)]


async def test_readers_see_the_old_generation_until_the_swap(
    store: EventStore, tenant: UUID
) -> None:
    history, live = History(store, tenant), Runner(store, [RECORD_COUNTS])
    await history.append(20)
    await live.catch_up(tenant)
    before = await live.documents(tenant, "record_counts")
    seen_mid_rebuild: list[dict[str, Document]] = []

    async def meanwhile(tenant_id: UUID, name: str, events: Sequence[RecordedEvent]) -> None:
        if not seen_mid_rebuild:  # first batch of the rebuild, written but not committed
            seen_mid_rebuild.append(await live.documents(tenant, name))
            await history.append(3)
            await live.catch_up(tenant)  # the live generation moves on meanwhile
            seen_mid_rebuild.append(await live.documents(tenant, name))

    rebuilding = Runner(store, [RECORD_COUNTS], batch_size=6, before_commit=meanwhile)
    assert await rebuilding.rebuild("record_counts", tenant) == 1

    assert seen_mid_rebuild[0] == before
    assert as_counts(seen_mid_rebuild[1]) == await counted_from_log(store, tenant)
    after = await live.documents(tenant, "record_counts")
    assert after == seen_mid_rebuild[1]  # the rebuild caught up with the 3 later events too


async def test_concurrent_catch_ups_of_one_tenant_count_each_event_once(
    store: EventStore, tenant: UUID
) -> None:
    history, runner = History(store, tenant), Runner(store, [RECORD_COUNTS], batch_size=4)
    await history.append(40)
    appending = asyncio.create_task(history.append(40))
    applied: list[int] = []

    async def keep_catching_up() -> None:
        while not appending.done():
            applied.append((await runner.catch_up(tenant))["record_counts"])
        applied.append((await runner.catch_up(tenant))["record_counts"])

    await asyncio.gather(appending, *(keep_catching_up() for _ in range(8)))

    assert sum(applied) == 80
    documents = await runner.documents(tenant, "record_counts")
    assert as_counts(documents) == await counted_from_log(store, tenant)


async def test_rebuilds_racing_catch_ups_and_appends_still_count_each_event_once(
    database: MigratedDatabase, store: EventStore, tenant: UUID
) -> None:
    history, runner = History(store, tenant), Runner(store, [RECORD_COUNTS], batch_size=5)
    await history.append(30)
    await runner.catch_up(tenant)
    appending = asyncio.create_task(history.append(30))

    async def keep_catching_up() -> None:
        while not appending.done():
            await runner.catch_up(tenant)

    *_, first, second = await asyncio.gather(
        appending,
        keep_catching_up(),
        keep_catching_up(),
        runner.rebuild("record_counts", tenant),
        runner.rebuild("record_counts", tenant),
    )
    await runner.catch_up(tenant)

    assert first + second >= 1  # a rebuild started later may supersede the other one
    documents = await runner.documents(tenant, "record_counts")
    assert as_counts(documents) == await counted_from_log(store, tenant)
    rows = await stored(database, tenant)
    [generation] = rows["generations"]
    assert generation["building_generation"] is None
    assert rows["checkpoints"] == [("record_counts", generation["live_generation"], 60)]
    assert {g for _, g, _, _ in rows["documents"]} == {generation["live_generation"]}


async def swap_blocked(database: MigratedDatabase, rebuild: asyncio.Task[int]) -> None:
    """Until the rebuild's swap waits for a lock (it deletes the old generation's checkpoint,
    which the live batch holds), or it finishes; then the live batch may commit. Waiting on the
    database's own lock table, not a sleep: a slow machine takes longer to rebuild."""
    async with connected(database.superuser) as conn:
        for _ in range(600):
            waiting = await conn.fetchval(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                " WHERE NOT l.granted AND a.datname = current_database()"
            )
            if waiting or rebuild.done():
                return
            await asyncio.sleep(0.05)
    raise AssertionError("the rebuild's swap never waited for the live batch")


async def test_a_swap_waits_for_a_live_batch_in_flight_then_catch_up_follows_it(
    database: MigratedDatabase, store: EventStore, tenant: UUID
) -> None:
    await History(store, tenant).append(12)
    rebuilding: list[asyncio.Task[int]] = []

    async def rebuild_meanwhile(
        tenant_id: UUID, name: str, events: Sequence[RecordedEvent]
    ) -> None:
        if not rebuilding:  # first live batch, written and not committed: rebuild and swap now
            rebuild = Runner(store, [RECORD_COUNTS], batch_size=5).rebuild(name, tenant_id)
            rebuilding.append(asyncio.create_task(rebuild))
            await swap_blocked(database, rebuilding[0])
            assert not rebuilding[0].done()  # its swap waits for this batch to commit

    live = Runner(store, [RECORD_COUNTS], batch_size=5, before_commit=rebuild_meanwhile)
    assert await live.catch_up(tenant) == {"record_counts": 5}  # then generation 1 was gone
    assert await rebuilding[0] == 1

    documents = await live.documents(tenant, "record_counts")
    assert as_counts(documents) == await counted_from_log(store, tenant)
    rows = await stored(database, tenant)
    assert rows["checkpoints"] == [("record_counts", 2, 12)]
    assert {g for _, g, _, _ in rows["documents"]} == {2}


async def test_a_new_projection_version_is_rebuilt_by_catch_up_and_swapped_in(
    database: MigratedDatabase, store: EventStore, tenant: UUID
) -> None:
    history, old = History(store, tenant), Runner(store, [RECORD_COUNTS], batch_size=8)
    await history.append(25)
    await old.catch_up(tenant)
    incremental = await stored(database, tenant)
    new = Runner(store, [dataclasses.replace(RECORD_COUNTS, version=2)], batch_size=8)

    await new.catch_up(tenant)
    await old.catch_up(tenant)  # a runner still on version 1 leaves version 2 alone

    upgraded = await stored(database, tenant)
    assert without_generation(upgraded) == without_generation(incremental)
    generation = upgraded["generations"][0]
    assert (generation["live_generation"], generation["live_version"]) == (2, 2)
    assert generation["building_generation"] is None


async def test_catch_up_all_reaches_every_organisation(
    database: MigratedDatabase, store: EventStore, tenant: UUID
) -> None:
    await History(store, tenant).append(6)
    async with connected(database.app) as conn:
        await conn.execute(
            "INSERT INTO organisations (organisation_id, kind, name) VALUES ($1, 'provider', $2)",
            tenant,
            f"Group {tenant}",
        )
    runner = Runner(store, [RECORD_COUNTS])

    caught_up = await runner.catch_up_all()

    assert caught_up[tenant] == {"record_counts": 6}
    assert [lag.events_behind for lag in await runner.lag() if lag.tenant_id == tenant] == [0]


async def test_lag_counts_events_and_seconds_behind(store: EventStore, tenant: UUID) -> None:
    runner = Runner(store, [RECORD_COUNTS], batch_size=3)
    await History(store, tenant).append(4)
    await asyncio.sleep(0.05)

    [behind] = await runner.lag(tenant)
    assert (behind.projection, behind.checkpoint, behind.head, behind.events_behind) == (
        "record_counts",
        0,
        4,
        4,
    )
    assert behind.seconds_behind >= 0.05

    await runner.catch_up(tenant)
    [caught_up] = await runner.lag(tenant)
    assert (caught_up.checkpoint, caught_up.events_behind, caught_up.seconds_behind) == (4, 0, 0.0)
