"""Group commit (eventstore/group_commit.py, migration 0010's eventstore_append_many): concurrent
appends of one process share statements, and each still gets exactly its own result or error."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest
import pytest_asyncio

from eventstore import (
    AppendResult,
    ConcurrencyError,
    EventStore,
    IdempotencyConflict,
    NewEvent,
    StreamRef,
    StreamTypeMismatch,
    verify_chain,
)
from eventstore.append_many_sql import SIGNATURE
from infra.database import open_database
from tests.conftest import MigratedDatabase
from tests.integration.direct_sql import connected
from tests.migrations import revision


@pytest_asyncio.fixture(loop_scope="session")
async def pool(database: MigratedDatabase) -> AsyncIterator[asyncpg.Pool]:
    pool = await open_database(database.app, pool_size=10)
    yield pool
    await asyncio.wait_for(pool.close(), 10)  # the store gives its held connections back


def note(n: int = 0, **data: Any) -> list[NewEvent]:
    return [NewEvent("NoteAdded", {"n": n, **data})]


async def seqs_and_xmins(database: MigratedDatabase, tenant: UUID) -> list[tuple[int, int]]:
    """Each stored event's seq and the id of the transaction that wrote it (superuser: no RLS)."""
    async with connected(database.superuser) as conn:
        rows = await conn.fetch(
            "SELECT seq, xmin::text::bigint AS tx FROM events WHERE tenant_id = $1 ORDER BY seq",
            tenant,
        )
    return [(r["seq"], r["tx"]) for r in rows]


async def until(condition: Callable[[], Awaitable[bool]], what: str) -> None:
    """Poll a condition that no event announces (another backend waiting on a lock)."""
    for _ in range(500):
        if await condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting until {what}")


async def test_mixed_concurrent_appends_each_get_their_own_outcome_in_shared_transactions(
    database: MigratedDatabase, pool: asyncpg.Pool, store: EventStore
) -> None:
    racing = EventStore(pool, store.keyring)
    tenants = [uuid4() for _ in range(6)]
    streams: dict[UUID, dict[str, StreamRef]] = {}
    for tenant in tenants:  # set up one at a time: each stream at version 1, one key stored
        streams[tenant] = {name: StreamRef("note", uuid4()) for name in "abcdef"}
        for stream in streams[tenant].values():
            await racing.append(tenant, stream, 0, note())
        await racing.append(tenant, StreamRef("note", uuid4()), 0, note(), idempotency_key="used")
    before = racing.group.stats.statements, racing.group.stats.appends

    calls: list[tuple[str, UUID, Awaitable[AppendResult]]] = []
    for tenant in tenants:
        s = streams[tenant]
        repeated = StreamRef("note", uuid4())
        calls += [
            ("ok", tenant, racing.append(tenant, s["a"], 1, note(1))),
            ("ok", tenant, racing.append(tenant, s["b"], 1, note(2))),
            ("stale", tenant, racing.append(tenant, s["c"], 7, note(3))),
            ("type", tenant, racing.append(tenant, StreamRef("task", s["d"].id), 1, note(4))),
            ("conflict", tenant, racing.append(tenant, s["e"], 1, note(5), "used")),
            *(("race", tenant, racing.append(tenant, s["f"], 1, note(6 + i))) for i in range(3)),
            *(
                ("repeat", tenant, racing.append(tenant, repeated, 0, note(9), "again"))
                for _ in range(3)
            ),
        ]
    outcomes = await asyncio.gather(*(call for _, _, call in calls), return_exceptions=True)

    by_tenant: dict[UUID, dict[str, list[Any]]] = {t: {} for t in tenants}
    for (kind, tenant, _), outcome in zip(calls, outcomes, strict=True):
        by_tenant[tenant].setdefault(kind, []).append(outcome)
    for tenant, got in by_tenant.items():
        assert all(isinstance(o, AppendResult) and o.stream_version == 2 for o in got["ok"])
        (stale,) = got["stale"]
        assert isinstance(stale, ConcurrencyError)
        assert (stale.stream_id, stale.expected, stale.actual) == (streams[tenant]["c"].id, 7, 1)
        assert isinstance(got["type"][0], StreamTypeMismatch)
        assert "is a note, not a task" in str(got["type"][0])
        assert isinstance(got["conflict"][0], IdempotencyConflict)
        assert got["conflict"][0].key == "used"
        won = [o for o in got["race"] if isinstance(o, AppendResult)]
        lost = [o for o in got["race"] if not isinstance(o, AppendResult)]
        assert len(won) == 1 and won[0].stream_version == 2
        assert all(isinstance(e, ConcurrencyError) and e.actual == 2 for e in lost)
        assert len(lost) == 2
        repeats = got["repeat"]
        assert all(isinstance(r, AppendResult) for r in repeats)
        assert sorted(r.duplicate for r in repeats) == [False, True, True]
        assert len({(r.stream_version, r.last_seq) for r in repeats}) == 1
        # 7 events set up, then a, b, the race's winner and the repeated key's one event.
        stored = await seqs_and_xmins(database, tenant)
        assert [seq for seq, _ in stored] == list(range(1, 12))
        written = sorted([o.last_seq for o in got["ok"]] + [won[0].last_seq, repeats[0].last_seq])
        assert written == list(range(8, 12))
        assert (await racing.head(tenant))[0] == 11
        report = await verify_chain(racing.pool, tenant)
        assert (report.ok, report.checked) == (True, 11)

    # Batches formed: far fewer statements than appends, and few transactions wrote the events.
    statements = racing.group.stats.statements - before[0]
    appends = racing.group.stats.appends - before[1]
    assert appends == len(calls)
    assert statements <= appends // 4, (statements, appends)
    assert racing.group.stats.batches >= 1 and racing.group.stats.fallbacks == 0
    new_rows = [row for t in tenants for row in (await seqs_and_xmins(database, t))[7:]]
    transactions = {tx for _, tx in new_rows}
    assert len(transactions) <= len(new_rows) // 4, (len(transactions), len(new_rows))


async def test_a_batch_that_raises_is_appended_entry_by_entry(
    pool: asyncpg.Pool, store: EventStore
) -> None:
    """Two appends reuse one event id: the batch statement fails on the unique key, so nothing of
    it is stored; each entry then runs alone: the first lands, only the second's caller gets the
    error, and every other caller its result."""
    racing = EventStore(pool, store.keyring)
    tenants = [uuid4() for _ in range(4)]
    clash = uuid4()
    first = NewEvent("NoteAdded", {"n": 1}, event_id=clash)
    second = NewEvent("NoteAdded", {"n": 2}, event_id=clash)
    a, b = StreamRef("note", uuid4()), StreamRef("note", uuid4())
    fallbacks = racing.group.stats.fallbacks

    others = [
        racing.append(t, StreamRef("note", uuid4()), 0, note(i)) for i, t in enumerate(tenants * 4)
    ]
    outcomes = await asyncio.gather(
        *others[:4],  # the first goes alone (its statement in flight); the rest queue
        racing.append(tenants[0], a, 0, [first]),
        *others[4:10],
        racing.append(tenants[0], b, 0, [second]),
        *others[10:],
        return_exceptions=True,
    )

    assert racing.group.stats.fallbacks == fallbacks + 1
    assert isinstance(outcomes[4], AppendResult)
    assert isinstance(outcomes[11], asyncpg.UniqueViolationError)
    rest = outcomes[:4] + outcomes[5:11] + outcomes[12:]
    assert all(isinstance(o, AppendResult) and o.stream_version == 1 for o in rest)
    assert [e.event_id for e in await racing.read_stream(tenants[0], a.id)] == [clash]
    assert await racing.read_stream(tenants[0], b.id) == []
    for tenant in tenants:
        report = await verify_chain(racing.pool, tenant)
        assert (report.ok, report.checked, report.head_seq) == (
            True,
            4 + (tenant == tenants[0]),
            4 + (tenant == tenants[0]),
        )


async def _lock_heads(conn: Any, tenants: list[UUID]) -> None:
    await conn.execute("BEGIN")
    await conn.execute(
        "SELECT FROM tenant_heads WHERE tenant_id = ANY($1::uuid[]) FOR UPDATE", tenants
    )


async def _waiting_on(conn: Any, blocker: int) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))", blocker
        )
    )


async def test_two_processes_batching_the_same_tenants_in_opposite_orders_do_not_deadlock(
    database: MigratedDatabase, store: EventStore
) -> None:
    """Two stores on pools of their own (an API and a worker process): each forms a batch of
    three appends, A's arriving as (T1, X, T2) and B's as (T2, Y, T1). A barrier makes both
    batches start together and wait on X and Y; taken in arrival order, A would then hold T1 and
    want T2 while B holds T2 and wants T1: a deadlock, which PostgreSQL breaks by failing one
    batch (which group commit would absorb by appending its entries alone: hence the check that
    no batch fell back). Sorted by tenant, both take the heads in one order."""
    ids = sorted((uuid4() for _ in range(6)), key=lambda u: u.int)
    x, y, t1, t2, z_a, z_b = ids  # X and Y sort first: both batches wait on the barrier first
    pool_a = await open_database(database.app, pool_size=2)
    pool_b = await open_database(database.app, pool_size=2)
    a = EventStore(pool_a, store.keyring, append_connections=1)
    b = EventStore(pool_b, store.keyring, append_connections=1)
    streams = {t: StreamRef("note", uuid4()) for t in ids}
    for t in ids:  # every head exists, every stream is at version 1
        await store.append(t, streams[t], 0, note())
    first, second = StreamRef("note", uuid4()), StreamRef("note", uuid4())
    try:
        async with (
            connected(database.superuser) as gate,
            connected(database.superuser) as barrier,
            connected(database.superuser) as watch,
        ):
            await _lock_heads(gate, [z_a, z_b])
            await _lock_heads(barrier, [x, y])
            barrier_pid = await barrier.fetchval("SELECT pg_backend_pid()")
            gate_pid = await gate.fetchval("SELECT pg_backend_pid()")
            leaders = [
                asyncio.ensure_future(a.append(z_a, streams[z_a], 1, note())),
                asyncio.ensure_future(b.append(z_b, streams[z_b], 1, note())),
            ]
            await until(lambda: _is(_waiting_on(watch, gate_pid), 2), "both leaders wait")
            batched = [
                asyncio.ensure_future(a.append(t1, first, 0, note())),
                asyncio.ensure_future(a.append(x, streams[x], 1, note())),
                asyncio.ensure_future(a.append(t2, first, 0, note())),
                asyncio.ensure_future(b.append(t2, second, 0, note())),
                asyncio.ensure_future(b.append(y, streams[y], 1, note())),
                asyncio.ensure_future(b.append(t1, second, 0, note())),
                # Two more each: a statement takes about half of what is in play (five queued
                # and the leader's one), so the three above go first, together.
                *(
                    asyncio.ensure_future(s.append(uuid4(), StreamRef("note", uuid4()), 0, note()))
                    for s in (a, a, b, b)
                ),
            ]
            await until(lambda: _now(a.group.queued == 5 == b.group.queued), "both queues fill")
            await gate.execute("COMMIT")
            await until(lambda: _is(_waiting_on(watch, barrier_pid), 2), "both batches wait")
            await barrier.execute("COMMIT")
            results = await asyncio.wait_for(asyncio.gather(*leaders, *batched), 30)
    finally:
        await pool_a.close()
        await pool_b.close()

    assert all(r.stream_version in (1, 2) for r in results)
    assert (a.group.stats.batches, b.group.stats.batches) == (2, 2)
    assert (a.group.stats.largest, b.group.stats.largest) == (3, 3)
    assert (a.group.stats.fallbacks, b.group.stats.fallbacks) == (0, 0)
    for t in (t1, t2):
        report = await verify_chain(store.pool, t)
        assert (report.ok, report.checked) == (True, 3)


async def _is(value: Awaitable[int], wanted: int) -> bool:
    return await value == wanted


async def _now(value: bool) -> bool:
    return value


async def test_a_caller_cancelled_while_its_append_is_queued_writes_nothing(
    database: MigratedDatabase, pool: asyncpg.Pool, store: EventStore
) -> None:
    racing = EventStore(pool, store.keyring, append_connections=1)
    busy, free = uuid4(), uuid4()
    for t in (busy, free):
        await store.append(t, StreamRef("note", uuid4()), 0, note())
    given_up, stream_a, stream_b = (StreamRef("note", uuid4()) for _ in range(3))
    async with connected(database.superuser) as gate, connected(database.superuser) as watch:
        gate_pid = await gate.fetchval("SELECT pg_backend_pid()")
        await _lock_heads(gate, [busy])
        leader = asyncio.ensure_future(racing.append(busy, StreamRef("note", uuid4()), 0, note()))
        await until(lambda: _is(_waiting_on(watch, gate_pid), 1), "the leader waits")
        quitter = asyncio.ensure_future(racing.append(free, given_up, 0, note()))
        await until(lambda: _now(racing.group.queued == 1), "the caller queues")
        quitter.cancel()
        later = [
            asyncio.ensure_future(racing.append(busy, stream_a, 0, note())),
            asyncio.ensure_future(racing.append(free, stream_b, 0, note())),
        ]
        await until(lambda: _now(racing.group.queued == 3), "two more queue")
        statements = racing.group.stats.statements
        await gate.execute("COMMIT")
        await leader
        results = await asyncio.gather(*later)
    with pytest.raises(asyncio.CancelledError):
        await quitter

    assert [r.stream_version for r in results] == [1, 1]
    assert racing.group.stats.statements == statements + 1  # the two, in one batch
    assert await racing.stream_version(free, given_up.id) == 0
    assert [seq for seq, _ in await seqs_and_xmins(database, free)] == [1, 2]


async def test_a_caller_cancelled_after_its_batch_was_sent_is_written_exactly_once(
    database: MigratedDatabase, pool: asyncpg.Pool, store: EventStore
) -> None:
    racing = EventStore(pool, store.keyring, append_connections=1)
    leader_tenant, gated, other = uuid4(), uuid4(), uuid4()
    for t in (leader_tenant, gated, other):
        await store.append(t, StreamRef("note", uuid4()), 0, note())
    sent, alongside_stream = StreamRef("note", uuid4()), StreamRef("note", uuid4())
    async with connected(database.superuser) as gate, connected(database.superuser) as watch:
        gate_pid = await gate.fetchval("SELECT pg_backend_pid()")
        await _lock_heads(gate, [leader_tenant, gated])
        leader = asyncio.ensure_future(
            racing.append(leader_tenant, StreamRef("note", uuid4()), 0, note())
        )
        await until(lambda: _is(_waiting_on(watch, gate_pid), 1), "the leader waits")
        quitter = asyncio.ensure_future(racing.append(gated, sent, 0, note()))
        alongside = asyncio.ensure_future(racing.append(other, alongside_stream, 0, note()))
        await until(lambda: _now(racing.group.queued == 2), "both queue")
        # Let the leader through but keep `gated` locked: the batch goes out and waits on it.
        await gate.execute("COMMIT")
        await _lock_heads(gate, [gated])
        await leader
        await until(lambda: _now(racing.group.queued == 0), "the batch is sent")
        quitter.cancel()
        await gate.execute("COMMIT")
        result = await alongside
    with pytest.raises(asyncio.CancelledError):
        await quitter

    assert result.stream_version == 1
    stored = await racing.read_stream(gated, sent.id)
    assert len(stored) == 1
    with pytest.raises(ConcurrencyError):
        await racing.append(gated, sent, 0, note())
    assert (await verify_chain(racing.pool, gated)).ok


async def test_the_held_connection_survives_being_killed_and_is_given_back_on_close(
    database: MigratedDatabase, store: EventStore
) -> None:
    own = await open_database(database.app, pool_size=3)
    racing = EventStore(own, store.keyring)
    tenant, stream = uuid4(), StreamRef("note", uuid4())
    await racing.append(tenant, stream, 0, note())
    taken = sum(h.acquired for h in racing.held)
    assert taken == 1
    (held,) = [h for h in racing.held if h.acquired]
    pid = held._conn.get_server_pid()  # the connection the store keeps for its appends
    async with connected(database.superuser) as conn:
        killed = await conn.fetchval("SELECT pg_terminate_backend($1)", pid)
    assert killed
    version, failures = 1, 0
    for attempt in range(3):
        try:
            await racing.append(tenant, stream, version, note(attempt))
            version += 1
        except Exception:  # whatever asyncpg makes of a connection the server closed
            failures += 1
    assert failures <= 1 and version == 4 - failures
    assert sum(h.acquired for h in racing.held) == 2
    await asyncio.wait_for(own.close(), 5)
    assert (await verify_chain(store.pool, tenant)).ok


async def test_migration_0010_downgrades_and_upgrades(database: MigratedDatabase) -> None:
    """Inside a transaction that is rolled back, so the session's database keeps 0010's."""
    app_role = f'"{database.settings.app_role}"'
    migration = revision("0010_group_commit")
    exists = "SELECT to_regprocedure($1) IS NOT NULL"
    async with connected(database.owner) as conn:
        try:
            async with conn.transaction():
                for statement in migration.DOWNGRADE:
                    await conn.execute(statement)
                assert await conn.fetchval(exists, SIGNATURE) is False
                for statement in migration.upgrade_sql(app_role):
                    await conn.execute(statement)
                assert await conn.fetchval(exists, SIGNATURE) is True
                granted = await conn.fetchval(
                    "SELECT has_function_privilege($1, $2, 'EXECUTE')",
                    database.settings.app_role,
                    SIGNATURE,
                )
                assert granted is True
                raise _RollBack
        except _RollBack:
            pass


class _RollBack(Exception):
    pass


async def test_a_leader_cancelled_mid_statement_writes_nothing_and_the_queue_still_drains(
    database: MigratedDatabase, pool: asyncpg.Pool, store: EventStore
) -> None:
    """The leader sends its own append from its own task; cancelled while the statement waits,
    PostgreSQL cancels it (nothing stored), the connection goes back to the pool to be reset,
    and the appends queued behind it go out on a fresh one."""
    racing = EventStore(pool, store.keyring, append_connections=1)
    busy, free = uuid4(), uuid4()
    for t in (busy, free):
        await store.append(t, StreamRef("note", uuid4()), 0, note())
    cancelled, queued = StreamRef("note", uuid4()), StreamRef("note", uuid4())
    async with connected(database.superuser) as gate, connected(database.superuser) as watch:
        gate_pid = await gate.fetchval("SELECT pg_backend_pid()")
        await _lock_heads(gate, [busy])
        leader = asyncio.ensure_future(racing.append(busy, cancelled, 0, note()))
        await until(lambda: _is(_waiting_on(watch, gate_pid), 1), "the leader waits")
        behind = asyncio.ensure_future(racing.append(free, queued, 0, note()))
        await until(lambda: _now(racing.group.queued == 1), "another queues")
        leader.cancel()
        result = await asyncio.wait_for(behind, 10)
        await gate.execute("COMMIT")
    with pytest.raises(asyncio.CancelledError):
        await leader

    assert result.stream_version == 1
    assert await racing.stream_version(busy, cancelled.id) == 0
    assert racing.held[0].acquired == 2  # the interrupted connection was not reused
    assert (await racing.append(busy, cancelled, 0, note())).last_seq == 2
    assert (await verify_chain(racing.pool, busy)).ok


async def test_personal_and_multi_event_appends_interleave_with_batches_on_one_chain(
    pool: asyncpg.Pool, store: EventStore, tenant: UUID
) -> None:
    """Appends of personal data and of several events keep their own path (a borrowed
    connection) while one-event appends of the same tenant go in batches: all take the same head
    lock, so the tenant's chain stays one gapless sequence."""
    racing = EventStore(pool, store.keyring)
    subject = uuid4()
    calls = []
    for i in range(24):
        stream = StreamRef("note", uuid4())
        if i % 6 == 0:
            events = [
                NewEvent("PersonNoted", {"n": i}, personal={"name": f"P{i}"}, subject_id=subject)
            ]
        elif i % 6 == 3:
            events = [NewEvent("NoteAdded", {"n": i}), NewEvent("NoteAdded", {"n": -i})]
        else:
            events = note(i)
        calls.append(racing.append(tenant, stream, 0, events))
    batches = racing.group.stats.batches

    results = await asyncio.gather(*calls)

    assert racing.group.stats.batches > batches
    assert sum(r.stream_version for r in results) == 24 + 4  # four appends of two events
    assert (await racing.head(tenant))[0] == 28
    report = await verify_chain(racing.pool, tenant)
    assert (report.ok, report.checked) == (True, 28)
    names = [e.data.get("name") for e in await racing.read_log(tenant) if e.subject_id]
    assert sorted(names) == ["P0", "P12", "P18", "P6"]
