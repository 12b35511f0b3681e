"""The append paths behind EventStore.append: one event or a batch, personal data, ANY_VERSION,
and racing first writes of a data subject's key."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest

from eventstore import (
    ANY_VERSION,
    ConcurrencyError,
    EventStore,
    IdempotencyConflict,
    NewEvent,
    StreamRef,
    SubjectErased,
    subjects,
    verify_chain,
)
from infra.database import asyncpg_dsn, create_engine
from tests.conftest import MigratedDatabase
from tests.integration.direct_sql import connected


def person(subject: UUID, name: str) -> NewEvent:
    return NewEvent(
        "PersonNoted", {"role": "resident"}, personal={"name": name}, subject_id=subject
    )


async def stored_keys(database: MigratedDatabase, tenant: UUID) -> int:
    async with connected(database.superuser) as conn:
        return int(
            await conn.fetchval("SELECT count(*) FROM subject_keys WHERE tenant_id = $1", tenant)
        )


async def test_a_batch_with_personal_data_of_new_and_known_subjects(
    database: MigratedDatabase, store: EventStore, tenant: UUID
) -> None:
    known, new = uuid4(), uuid4()
    await store.append(tenant, StreamRef("person", uuid4()), 0, [person(known, "Ada")])
    stream = StreamRef("person", uuid4())

    result = await store.append(
        tenant,
        stream,
        0,
        [person(known, "Ada Again"), NewEvent("Plain", {"n": 1}), person(new, "Grace")],
        idempotency_key="batch-1",
        metadata={"request_id": "r-1"},
    )

    assert (result.stream_version, result.last_seq) == (3, 4)
    events = await store.read_stream(tenant, stream.id)
    assert [e.data.get("name") for e in events] == ["Ada Again", None, "Grace"]
    assert [e.seq for e in events] == [2, 3, 4]
    assert await stored_keys(database, tenant) == 2
    assert (await verify_chain(store.pool, tenant)).ok


async def test_a_batch_naming_an_erased_subject_writes_nothing(
    database: MigratedDatabase, store: EventStore, tenant: UUID
) -> None:
    gone = uuid4()
    await store.append(tenant, StreamRef("person", uuid4()), 0, [person(gone, "Ada")])
    await store.erase_subject(tenant, gone)
    stream = StreamRef("person", uuid4())

    with pytest.raises(SubjectErased) as raised:
        await store.append(tenant, stream, 0, [person(uuid4(), "Grace"), person(gone, "Ada")])

    assert raised.value.subject_id == gone
    assert await store.read_stream(tenant, stream.id) == []
    assert await stored_keys(database, tenant) == 0
    assert (await store.head(tenant))[0] == 2


async def test_first_writes_of_one_new_subject_racing_each_other_all_stay_readable(
    database: MigratedDatabase, store: EventStore, tenant: UUID, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each racer looks the key up, finds none and seals under a key of its own; the database
    keeps the first and turns the others back, which start again with the stored key."""
    subject = uuid4()
    streams = [StreamRef("person", uuid4()) for _ in range(6)]
    all_looked = asyncio.Barrier(len(streams))
    lookups = []
    look_up = subjects.keys_for_writing

    async def look_up_together(*args: Any, **kwargs: Any) -> subjects.WritingKeys:
        found = await look_up(*args, **kwargs)
        lookups.append(bool(found.new))
        if len(lookups) <= len(streams):
            await all_looked.wait()  # every racer has looked before any of them appends
        return found

    monkeypatch.setattr(subjects, "keys_for_writing", look_up_together)
    await asyncio.gather(
        *(store.append(tenant, s, 0, [person(subject, f"Ada {i}")]) for i, s in enumerate(streams))
    )

    assert lookups[: len(streams)] == [True] * len(streams)  # all made a key of their own
    assert lookups[len(streams) :] == [False] * (len(streams) - 1)  # the losers, once more
    for i, stream in enumerate(streams):
        (event,) = await store.read_stream(tenant, stream.id)
        assert (event.data["name"], event.redacted) == (f"Ada {i}", False)
    assert await stored_keys(database, tenant) == 1
    assert (await verify_chain(store.pool, tenant)).ok


async def test_any_version_appends_whatever_the_version_is(store: EventStore, tenant: UUID) -> None:
    stream = StreamRef("note", uuid4())
    await store.append(tenant, stream, 0, [NewEvent("NoteAdded", {"n": 1})])

    one = await store.append(tenant, stream, ANY_VERSION, [NewEvent("NoteAdded", {"n": 2})])
    batch = [NewEvent("NoteAdded", {"n": 3}), NewEvent("NoteAdded", {"n": 4})]
    two = await store.append(tenant, stream, ANY_VERSION, batch)

    assert (one.stream_version, two.stream_version, two.last_seq) == (2, 4, 4)
    assert [e.data["n"] for e in await store.read_stream(tenant, stream.id)] == [1, 2, 3, 4]


async def test_idempotent_replays_with_personal_data(store: EventStore, tenant: UUID) -> None:
    subject, stream = uuid4(), StreamRef("person", uuid4())
    first = await store.append(tenant, stream, 0, [person(subject, "Ada")], idempotency_key="p-1")

    again = await store.append(tenant, stream, 0, [person(subject, "Ada")], idempotency_key="p-1")
    with pytest.raises(IdempotencyConflict):
        await store.append(tenant, stream, 0, [person(subject, "Grace")], idempotency_key="p-1")

    assert (again.duplicate, again.last_seq) == (True, first.last_seq)
    assert len(await store.read_stream(tenant, stream.id)) == 1


async def test_a_concurrency_error_inside_a_transaction_rolls_it_back(
    store: EventStore, tenant: UUID
) -> None:
    stream = StreamRef("note", uuid4())
    await store.append(tenant, stream, 0, [NewEvent("NoteAdded", {})])

    with pytest.raises(ConcurrencyError) as raised:
        async with store.pool.acquire() as conn, conn.transaction():
            await store.append_in(conn, tenant, StreamRef("note", uuid4()), 0, [NewEvent("A", {})])
            await store.append_in(conn, tenant, stream, 0, [NewEvent("B", {})])

    assert (raised.value.expected, raised.value.actual) == (0, 1)
    assert (await store.head(tenant))[0] == 1


async def test_the_chain_verifies_through_every_kind_of_connection_source(
    database: MigratedDatabase, store: EventStore, tenant: UUID
) -> None:
    stream = StreamRef("note", uuid4())
    for n in range(3):
        await store.append(tenant, stream, n, [NewEvent("NoteAdded", {"n": n})])
    engine = create_engine(database.app, pool_size=1)
    pool = await asyncpg.create_pool(asyncpg_dsn(database.app), min_size=1, max_size=1)
    try:
        for appended, source in enumerate((store.pool, engine, pool)):
            report = await verify_chain(source, tenant)
            assert (report.ok, report.checked) == (True, 3 + appended)
            via = EventStore(source, store.keyring)
            version = await via.stream_version(tenant, stream.id)
            await via.append(tenant, stream, version, [NewEvent("NoteAdded", {})])
        report = await verify_chain(store.pool, tenant)
        assert (report.ok, report.checked) == (True, 6)
    finally:
        await pool.close()
        await engine.dispose()
