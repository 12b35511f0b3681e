"""stream_heads (migration 0012; eventstore/append_sql.py says why): every append path checks and
advances its stream's head without reading the tenant's events, the heads always equal what
events holds, the migration fills them from existing events, and `verify` names a stream whose
versions skip."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest

from eventstore import (
    ANY_VERSION,
    ConcurrencyError,
    EventStore,
    NewEvent,
    StreamRef,
    StreamTypeMismatch,
    verify_chain,
)
from eventstore.append_many_sql import APPEND_MANY
from eventstore.verify import VERSION_GAP
from infra.database import asyncpg_dsn
from tests.conftest import MigratedDatabase
from tests.integration.direct_sql import bind_tenant, connected
from tests.migrations import revision


def note(n: int = 0) -> list[NewEvent]:
    return [NewEvent("NoteAdded", {"n": n})]


async def heads_and_events(database: MigratedDatabase, tenant: UUID) -> tuple[Any, Any]:
    """Each stream's (id, type, version) as stream_heads has it, and as events has it."""
    async with connected(database.superuser) as conn:
        heads = await conn.fetch(
            "SELECT stream_id, stream_type, version FROM stream_heads WHERE tenant_id = $1"
            " ORDER BY stream_id",
            tenant,
        )
        stored = await conn.fetch(
            "SELECT DISTINCT ON (stream_id) stream_id, stream_type, version FROM events"
            " WHERE tenant_id = $1 ORDER BY stream_id, version DESC",
            tenant,
        )
    return [tuple(r) for r in heads], [tuple(r) for r in stored]


async def events_read(conn: Any) -> tuple[int, int]:
    """Rows of `events` this transaction has read so far: by sequential scans, and fetched
    through indexes (including bitmap scans)."""
    row = await conn.fetchrow(
        "SELECT seq_tup_read, idx_tup_fetch FROM pg_stat_xact_user_tables"
        " WHERE relid = 'events'::regclass"
    )
    return int(row["seq_tup_read"]), int(row["idx_tup_fetch"] or 0)


async def test_an_append_with_an_expected_version_reads_no_events(
    database: MigratedDatabase, store: EventStore, tenant: UUID
) -> None:
    """What an append costs must not depend on how much history its tenant has, nor on what the
    planner's statistics know of the tenant: the check is a primary-key statement on
    stream_heads, on every path that takes an expected version. (The lookup in events it
    replaces read at least one row per append, and for a tenant the statistics did not know
    yet, every row of the tenant.)"""
    history = [StreamRef("note", uuid4()) for _ in range(4)]
    for n in range(50):
        await store.append(tenant, history[n % 4], n // 4, note(n))

    async with connected(database.app) as conn, conn.transaction():
        await bind_tenant(conn, tenant)
        assert await events_read(conn) == (0, 0)
        fresh = StreamRef("note", uuid4())
        await store.append_in(conn, tenant, fresh, 0, note())
        await store.append_in(conn, tenant, fresh, 1, note(), idempotency_key=f"k-{uuid4()}")
        await store.append_in(conn, tenant, history[0], 13, [*note(1), *note(2)])
        rows = await conn.fetch(
            APPEND_MANY,
            [tenant, tenant],
            ["note", "note"],
            [history[2].id, history[3].id],
            [12, 12],
            [None, None],
            [None, None],
            ["{}", "{}"],
            [datetime.now(UTC)] * 2,
            [uuid4(), uuid4()],
            ["NoteAdded", "NoteAdded"],
            [1, 1],
            ["{}", "{}"],
            [None, None],
            [bytes(32), bytes(32)],
        )
        assert [(r["error"], r["stream_version"]) for r in rows] == [(None, 13), (None, 13)]
        assert await events_read(conn) == (0, 0)
        # With no expected version the version comes from events: the stream's last event.
        await store.append_in(conn, tenant, history[1], ANY_VERSION, note(3))
        await store.append_in(conn, tenant, StreamRef("note", uuid4()), ANY_VERSION, note(4))
        assert await events_read(conn) == (0, 1)


async def lag(database: MigratedDatabase, tenant: UUID, stream: StreamRef, by: int) -> None:
    """Move the stream's head `by` versions (back if negative), as the application role may."""
    async with connected(database.app) as conn, conn.transaction():
        await bind_tenant(conn, tenant)
        await conn.execute(
            "UPDATE stream_heads SET version = version + $2 WHERE stream_id = $1", stream.id, by
        )


async def test_a_head_that_disagrees_with_events_is_set_right_by_the_next_append(
    database: MigratedDatabase, store: EventStore, tenant: UUID
) -> None:
    """events is the record: a head behind it (an append by a pre-0012 function during the
    migration) or ahead of it never locks a stream out, on any append path."""
    streams = [StreamRef("note", uuid4()) for _ in range(5)]
    for stream in streams:
        for version in range(3):
            await store.append(tenant, stream, version, note(version))
    for stream, by in zip(streams, (-1, -2, 2, -2, 1), strict=True):
        await lag(database, tenant, stream, by)

    assert (await store.append(tenant, streams[0], 3, note())).stream_version == 4
    async with connected(database.app) as conn, conn.transaction():
        await bind_tenant(conn, tenant)
        assert (await store.append_in(conn, tenant, streams[1], 3, note())).stream_version == 4
    # Three at once: the first goes alone, the other two share a statement (group commit),
    # which raises on their wrong heads; each is then appended alone and its head set right.
    fallbacks = store.group.stats.fallbacks
    three = await asyncio.gather(*(store.append(tenant, s, 3, note()) for s in streams[2:]))
    assert [r.stream_version for r in three] == [4, 4, 4]
    assert store.group.stats.fallbacks == fallbacks + 1

    with pytest.raises(ConcurrencyError) as stale:  # a real conflict still says the truth
        await store.append(tenant, streams[0], 3, note())
    assert stale.value.actual == 4
    heads, stored = await heads_and_events(database, tenant)
    assert heads == stored
    assert (await verify_chain(store.pool, tenant)).ok


async def test_heads_follow_every_append_path_and_refusal(
    database: MigratedDatabase, store: EventStore, tenant: UUID
) -> None:
    a, b, c = (StreamRef("note", uuid4()) for _ in range(3))
    await store.append(tenant, a, 0, note())
    await store.append(tenant, a, 1, [*note(1), *note(2)])
    await store.append(tenant, b, ANY_VERSION, note())
    await store.append(tenant, b, ANY_VERSION, note())
    person = NewEvent("PersonRegistered", {}, {"name": "A. Person"}, uuid4())
    await store.append(tenant, c, 0, [person], idempotency_key="once")
    await store.append(tenant, c, 0, [person], idempotency_key="once")  # answered, not stored
    # Concurrent one-event appends share statements (group commit); half of them are refused.
    racers = [StreamRef("note", uuid4()) for _ in range(8)]
    for racer in racers:
        await store.append(tenant, racer, 0, note())
    outcomes = await asyncio.gather(
        *(store.append(tenant, r, 1, note()) for r in racers),
        *(store.append(tenant, r, 1, note()) for r in racers),
        return_exceptions=True,
    )
    assert sum(isinstance(o, ConcurrencyError) for o in outcomes) == len(racers)

    with pytest.raises(ConcurrencyError) as behind:
        await store.append(tenant, a, 1, note())
    assert (behind.value.expected, behind.value.actual) == (1, 3)
    with pytest.raises(ConcurrencyError) as ahead:
        await store.append(tenant, a, 7, note())
    assert ahead.value.actual == 3
    with pytest.raises(ConcurrencyError) as missing:
        await store.append(tenant, StreamRef("note", uuid4()), 2, note())
    assert missing.value.actual == 0
    with pytest.raises(StreamTypeMismatch, match="is a note, not a person"):
        await store.append(tenant, StreamRef("person", a.id), 3, note())

    heads, stored = await heads_and_events(database, tenant)
    assert heads == stored
    assert dict((h[0], h[2]) for h in heads)[a.id] == 3
    assert len(heads) == 3 + len(racers)
    assert (await verify_chain(store.pool, tenant)).ok


async def test_migration_0012_fills_heads_from_events_and_downgrades(
    database: MigratedDatabase,
) -> None:
    """Inside a transaction that is rolled back, so the session's database keeps 0012's."""
    app_role = f'"{database.settings.app_role}"'
    migration = revision("0012_stream_heads")
    tenant, first, second = uuid4(), uuid4(), uuid4()
    call = (
        "SELECT stream_version FROM eventstore_append_one($1, 'note', $2, $3, NULL, NULL, '{}',"
        " now(), $4, 'NoteAdded', 1, '{}', NULL, NULL, NULL, $5, NULL, NULL)"
    )
    conn = await asyncpg.connect(asyncpg_dsn(database.owner))
    try:
        with pytest.raises(_RollBack):
            async with conn.transaction():
                for statement in migration.DOWNGRADE:
                    await conn.execute(statement)
                assert await conn.fetchval("SELECT to_regclass('stream_heads')") is None
                # 0009's function, which finds the version in events.
                for stream, count in ((first, 3), (second, 1)):
                    for version in range(count):
                        await conn.fetchval(call, tenant, stream, version, uuid4(), bytes(32))

                for statement in migration.upgrade_sql(app_role):
                    await conn.execute(statement)
                await bind_tenant(conn, tenant)
                heads = await conn.fetch(
                    "SELECT stream_id, stream_type, version FROM stream_heads ORDER BY version"
                )
                assert [tuple(h) for h in heads] == [(second, "note", 1), (first, "note", 3)]
                assert await conn.fetchval(call, tenant, first, 3, uuid4(), bytes(32)) == 4
                with pytest.raises(asyncpg.PostgresError, match="expected version 1, actual 4"):
                    async with conn.transaction():  # a savepoint
                        await conn.fetchval(call, tenant, first, 1, uuid4(), bytes(32))
                # events is forced under row-level security again, for its owner too.
                forced = await conn.fetchval(
                    "SELECT relforcerowsecurity FROM pg_class WHERE oid = 'events'::regclass"
                )
                assert forced is True
                raise _RollBack
    finally:
        await conn.close()


async def test_verify_names_a_stream_whose_versions_skip(
    database: MigratedDatabase, store: EventStore, tenant: UUID
) -> None:
    """The application role may update stream_heads (as it may tenant_heads): a head moved on by
    mistake would let the next append skip versions, and verify says where."""
    stream = StreamRef("note", uuid4())
    for version in range(3):
        await store.append(tenant, stream, version, note(version))
    async with connected(database.app) as conn, conn.transaction():
        await bind_tenant(conn, tenant)
        await conn.execute("UPDATE stream_heads SET version = 5 WHERE stream_id = $1", stream.id)
    assert (await verify_chain(store.pool, tenant)).ok  # nothing is wrong in events yet

    skipped = await store.append(tenant, stream, 5, note(5))

    report = await verify_chain(store.pool, tenant)
    assert (report.problem, report.first_bad_seq) == (VERSION_GAP, skipped.last_seq)
    assert f"stream {stream.id} goes from version 3 to 6" in report.detail


class _RollBack(Exception):
    pass
