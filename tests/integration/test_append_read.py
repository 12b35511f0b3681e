"""Appending and reading: versions, idempotency, time travel, upcasting."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from uuid import UUID, uuid4

import asyncpg
import pytest

from eventstore import (
    ConcurrencyError,
    EventStore,
    IdempotencyConflict,
    NewEvent,
    StreamRef,
    StreamTypeMismatch,
    Upcasters,
)


def noted(text: str, **extra: object) -> NewEvent:
    return NewEvent("NoteAdded", {"text": text, **extra})


async def test_append_returns_stream_version_and_tenant_seq(
    store: EventStore, tenant: UUID
) -> None:
    first, second = StreamRef("note", uuid4()), StreamRef("note", uuid4())

    a = await store.append(tenant, first, 0, [noted("a"), noted("b")])
    b = await store.append(tenant, second, 0, [noted("c")])
    c = await store.append(tenant, first, 2, [noted("d")])

    assert (a.stream_version, a.last_seq) == (2, 2)
    assert (b.stream_version, b.last_seq) == (1, 3)
    assert (c.stream_version, c.last_seq) == (3, 4)
    events = await store.read_stream(tenant, first.id)
    assert [e.data["text"] for e in events] == ["a", "b", "d"]
    assert [e.version for e in events] == [1, 2, 3]
    assert [e.seq for e in events] == [1, 2, 4]


async def test_wrong_expected_version_is_a_concurrency_error_and_writes_nothing(
    store: EventStore, tenant: UUID
) -> None:
    stream = StreamRef("note", uuid4())
    await store.append(tenant, stream, 0, [noted("a")])

    with pytest.raises(ConcurrencyError) as raised:
        await store.append(tenant, stream, 0, [noted("b")])

    assert (raised.value.expected, raised.value.actual) == (0, 1)
    assert [e.data["text"] for e in await store.read_stream(tenant, stream.id)] == ["a"]
    assert (await store.head(tenant))[0] == 1


async def test_a_batch_is_atomic(store: EventStore, tenant: UUID) -> None:
    stream = StreamRef("note", uuid4())
    duplicate_id = uuid4()
    await store.append(
        tenant, StreamRef("note", uuid4()), 0, [NewEvent("X", {}, event_id=duplicate_id)]
    )

    with pytest.raises(asyncpg.UniqueViolationError):  # the second event id is taken: all fails
        await store.append(
            tenant, stream, 0, [noted("a"), NewEvent("X", {}, event_id=duplicate_id)]
        )

    assert await store.read_stream(tenant, stream.id) == []
    assert (await store.head(tenant))[0] == 1


async def test_stream_type_cannot_change(store: EventStore, tenant: UUID) -> None:
    stream_id = uuid4()
    await store.append(tenant, StreamRef("note", stream_id), 0, [noted("a")])
    with pytest.raises(StreamTypeMismatch):
        await store.append(tenant, StreamRef("action", stream_id), 1, [noted("b")])


async def test_repeated_idempotency_key_returns_first_result_and_writes_nothing(
    store: EventStore, tenant: UUID
) -> None:
    stream = StreamRef("note", uuid4())
    first = await store.append(
        tenant, stream, 0, [noted("a")], idempotency_key="k-1", metadata={"request": 1}
    )
    again = await store.append(
        tenant, stream, 0, [noted("a")], idempotency_key="k-1", metadata={"request": 2}
    )

    assert (again.stream_version, again.last_seq, again.duplicate) == (1, first.last_seq, True)
    assert len(await store.read_stream(tenant, stream.id)) == 1
    assert (await store.head(tenant))[0] == 1


async def test_same_idempotency_key_with_another_payload_is_refused(
    store: EventStore, tenant: UUID
) -> None:
    stream = StreamRef("note", uuid4())
    await store.append(tenant, stream, 0, [noted("a")], idempotency_key="k-2")

    with pytest.raises(IdempotencyConflict):
        await store.append(tenant, stream, 0, [noted("something else")], idempotency_key="k-2")
    assert len(await store.read_stream(tenant, stream.id)) == 1


async def test_idempotency_keys_are_per_tenant(store: EventStore, tenant: UUID) -> None:
    other = uuid4()
    await store.append(
        tenant, StreamRef("note", uuid4()), 0, [noted("a")], idempotency_key="shared"
    )
    result = await store.append(
        other, StreamRef("note", uuid4()), 0, [noted("b")], idempotency_key="shared"
    )
    assert not result.duplicate


async def test_time_travel_by_version_and_by_timestamp(store: EventStore, tenant: UUID) -> None:
    stream = StreamRef("note", uuid4())
    await store.append(tenant, stream, 0, [noted("v1")])
    await asyncio.sleep(0.01)
    between = datetime.now(UTC)
    await asyncio.sleep(0.01)
    await store.append(tenant, stream, 1, [noted("v2"), noted("v3")])

    by_version = await store.read_stream(tenant, stream.id, to_version=2)
    by_time = await store.read_stream(tenant, stream.id, as_of=between)
    before_anything = await store.read_stream(
        tenant, stream.id, as_of=datetime(2000, 1, 1, tzinfo=UTC)
    )

    assert [e.data["text"] for e in by_version] == ["v1", "v2"]
    assert [e.data["text"] for e in by_time] == ["v1"]
    assert before_anything == []


async def test_log_is_read_after_a_checkpoint_in_batches(store: EventStore, tenant: UUID) -> None:
    for i in range(7):
        await store.append(tenant, StreamRef("note", uuid4()), 0, [noted(str(i))])

    seen, checkpoint = [], 0
    while batch := await store.read_log(tenant, after_seq=checkpoint, limit=3):
        seen += [e.data["text"] for e in batch]
        checkpoint = batch[-1].seq

    assert seen == [str(i) for i in range(7)]
    assert await store.read_log(uuid4()) == []


async def test_upcaster_is_applied_on_read_and_the_stored_row_is_unchanged(
    store: EventStore, tenant: UUID, upcasters: Upcasters
) -> None:
    @upcasters.register("TitleSet", 1)
    def split_title(data: dict) -> dict:
        data["title"] = {"en": data.pop("text")}
        return data

    stream = StreamRef("note", uuid4())
    await store.append(
        tenant, stream, 0, [NewEvent("TitleSet", {"text": "old shape"}, schema_version=1)]
    )
    await store.append(
        tenant, stream, 1, [NewEvent("TitleSet", {"title": {"en": "new"}}, schema_version=2)]
    )

    old, new = await store.read_stream(tenant, stream.id)
    assert (old.schema_version, old.data) == (2, {"title": {"en": "old shape"}})
    assert (new.schema_version, new.data) == (2, {"title": {"en": "new"}})
    raw = EventStore(store.engine, store.keyring)  # no upcasters: the stored shape
    assert (await raw.read_stream(tenant, stream.id))[0].data == {"text": "old shape"}


async def test_metadata_and_location_are_kept(store: EventStore, tenant: UUID) -> None:
    stream, home = StreamRef("note", uuid4()), uuid4()
    await store.append(
        tenant,
        stream,
        0,
        [NewEvent("NoteAdded", {"n": 1}, location_id=home)],
        metadata={"actor": "user-1", "request_id": "r-1"},
    )
    (event,) = await store.read_stream(tenant, stream.id)
    assert event.location_id == home
    assert event.metadata == {"actor": "user-1", "request_id": "r-1"}
    assert event.tenant_id == tenant and event.stream_type == "note"
