"""Tampering by someone who bypasses every control (a superuser): the chain names the event."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID, uuid4

import msgspec
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from eventstore import EventStore, NewEvent, StreamRef, verify_chain
from tests.conftest import MigratedDatabase
from tests.integration.direct_sql import connected

EVENTS = 10
PARKED_SEQ = 1_000_000  # CHECK (seq > 0) rules out a negative temporary seq


async def ten_notes(store: EventStore, tenant_id: UUID) -> None:
    stream = StreamRef("note", uuid4())
    for i in range(1, EVENTS + 1):
        await store.append(
            tenant_id, stream, i - 1, [NewEvent("NoteAdded", {"text": f"note number {i}"})]
        )


async def tamper(database: MigratedDatabase, change: Callable[[Any], Awaitable[None]]) -> None:
    """Run `change` as superuser with the immutability triggers off, in one transaction, so the
    triggers are back on for everyone else whatever happens."""
    async with connected(database.superuser) as conn:
        async with conn.transaction():
            await conn.execute("ALTER TABLE events DISABLE TRIGGER USER")
            await change(conn)
            await conn.execute("ALTER TABLE events ENABLE TRIGGER USER")
        disabled = await conn.fetchval(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'events'::regclass"
            " AND NOT tgisinternal AND tgenabled = 'D'"
        )
    assert disabled == 0


def flip_one_byte(text: str) -> str:
    middle = len(text) // 2
    return text[:middle] + chr(ord(text[middle]) ^ 0x01) + text[middle + 1 :]


@pytest.mark.parametrize("k", [1, 4, EVENTS])
async def test_an_edited_value_is_a_hash_mismatch_at_that_seq(
    database: MigratedDatabase, store: EventStore, app_engine: AsyncEngine, tenant: UUID, k: int
) -> None:
    await ten_notes(store, tenant)

    async def edit(conn: Any) -> None:
        data = msgspec.json.decode(
            await conn.fetchval(
                "SELECT data::text FROM events WHERE tenant_id = $1 AND seq = $2", tenant, k
            )
        )
        edited = {**data, "text": flip_one_byte(data["text"])}
        await conn.execute(
            "UPDATE events SET data = $3::jsonb WHERE tenant_id = $1 AND seq = $2",
            tenant,
            k,
            msgspec.json.encode(edited).decode(),
        )

    await tamper(database, edit)

    report = await verify_chain(app_engine, tenant)
    assert (report.ok, report.first_bad_seq, report.problem) == (False, k, "hash_mismatch")
    assert report.checked == k - 1


async def test_an_edited_ciphertext_is_a_hash_mismatch(
    database: MigratedDatabase, store: EventStore, app_engine: AsyncEngine, tenant: UUID
) -> None:
    subject = uuid4()
    await ten_notes(store, tenant)
    person = NewEvent("PersonRegistered", {}, personal={"name": "Ada"}, subject_id=subject)
    await store.append(tenant, StreamRef("person", uuid4()), 0, [person])

    async def edit(conn: Any) -> None:
        await conn.execute(
            "UPDATE events SET personal = jsonb_set(personal, '{name}', to_jsonb($3::text))"
            " WHERE tenant_id = $1 AND seq = $2",
            tenant,
            EVENTS + 1,
            "AAAA" + "B" * 40,
        )

    await tamper(database, edit)

    report = await verify_chain(app_engine, tenant)
    assert (report.first_bad_seq, report.problem) == (EVENTS + 1, "hash_mismatch")


@pytest.mark.parametrize("k", [1, 6])
async def test_a_deleted_event_is_missing_at_that_seq(
    database: MigratedDatabase, store: EventStore, app_engine: AsyncEngine, tenant: UUID, k: int
) -> None:
    await ten_notes(store, tenant)

    async def delete(conn: Any) -> None:
        await conn.execute("DELETE FROM events WHERE tenant_id = $1 AND seq = $2", tenant, k)

    await tamper(database, delete)

    report = await verify_chain(app_engine, tenant)
    assert (report.ok, report.first_bad_seq, report.problem) == (False, k, "missing")


async def test_a_deleted_last_event_is_missing_against_the_head(
    database: MigratedDatabase, store: EventStore, app_engine: AsyncEngine, tenant: UUID
) -> None:
    await ten_notes(store, tenant)

    async def delete(conn: Any) -> None:
        await conn.execute("DELETE FROM events WHERE tenant_id = $1 AND seq = $2", tenant, EVENTS)

    await tamper(database, delete)

    report = await verify_chain(app_engine, tenant)
    assert (report.first_bad_seq, report.problem, report.checked) == (EVENTS, "missing", EVENTS - 1)


@pytest.mark.parametrize(("j", "k"), [(3, 7), (5, 6), (1, EVENTS)])
async def test_two_swapped_events_are_reordered_at_the_earlier_seq(
    database: MigratedDatabase,
    store: EventStore,
    app_engine: AsyncEngine,
    tenant: UUID,
    j: int,
    k: int,
) -> None:
    await ten_notes(store, tenant)

    async def swap(conn: Any) -> None:
        # every column but seq changes places: move j aside, k into j, j into k
        move = "UPDATE events SET seq = $3 WHERE tenant_id = $1 AND seq = $2"
        await conn.execute(move, tenant, j, PARKED_SEQ)
        await conn.execute(move, tenant, k, j)
        await conn.execute(move, tenant, PARKED_SEQ, k)

    await tamper(database, swap)

    report = await verify_chain(app_engine, tenant)
    assert (report.ok, report.first_bad_seq, report.problem) == (False, j, "reordered")
    texts = [e.data["text"] for e in await store.read_log(tenant)]
    assert (texts[j - 1], texts[k - 1]) == (f"note number {k}", f"note number {j}")


async def test_a_tenant_nobody_touched_verifies_while_others_are_tampered_with(
    database: MigratedDatabase, store: EventStore, app_engine: AsyncEngine, tenant: UUID
) -> None:
    victim = uuid4()
    await ten_notes(store, tenant)
    await ten_notes(store, victim)

    async def delete(conn: Any) -> None:
        await conn.execute("DELETE FROM events WHERE tenant_id = $1 AND seq = 2", victim)

    await tamper(database, delete)

    report = await verify_chain(app_engine, tenant)
    assert (report.ok, report.checked, report.head_seq) == (True, EVENTS, EVENTS)
    assert not (await verify_chain(app_engine, victim)).ok


async def test_a_tenant_with_no_events_verifies_with_nothing_checked(
    app_engine: AsyncEngine,
) -> None:
    report = await verify_chain(app_engine, uuid4())
    assert (report.ok, report.checked, report.head_seq, report.problem) == (True, 0, 0, None)
