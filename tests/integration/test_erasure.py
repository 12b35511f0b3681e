"""Crypto-shredding: personal data is ciphertext at rest; erasure makes it unreadable for good."""

from __future__ import annotations

import asyncio
import subprocess
from uuid import UUID, uuid4

import pytest

from eventstore import REDACTED, EventStore, NewEvent, StreamRef, SubjectErased, verify_chain
from eventstore.connection import raw_connection
from tests.conftest import MigratedDatabase
from tests.integration.direct_sql import connected
from tests.postgres import pg_bin

NAME = "Zebedee Quixotic-Farnsworth"
BIRTHDAY = "1931-02-03"
OTHER_NAME = "Philippa Umbridge-Oyelaran"


def registered(subject: UUID, name: str, birthday: str) -> NewEvent:
    return NewEvent(
        "PersonRegistered",
        {"role": "resident"},
        personal={"name": name, "date_of_birth": birthday},
        subject_id=subject,
    )


async def dump_data(database: MigratedDatabase) -> str:
    """Everything an operator's backup would hold: a data-only pg_dump of the whole database."""
    done = await asyncio.to_thread(
        subprocess.run,
        [pg_bin("pg_dump"), "--data-only", "--dbname", database.superuser],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return done.stdout


async def wrapped_key(database: MigratedDatabase, tenant_id: UUID, subject: UUID) -> bytes | None:
    async with connected(database.superuser) as conn:
        found = await conn.fetchval(
            "SELECT wrapped_key FROM subject_keys WHERE tenant_id = $1 AND subject_id = $2",
            tenant_id,
            subject,
        )
    return bytes(found) if found is not None else None


async def test_erasure_shreds_one_subject_everywhere_and_leaves_the_rest_intact(
    database: MigratedDatabase, store: EventStore, tenant: UUID
) -> None:
    zebedee, philippa = uuid4(), uuid4()
    zebedee_file, philippa_file = StreamRef("person", uuid4()), StreamRef("person", uuid4())
    incident = StreamRef("incident", uuid4())
    await store.append(tenant, zebedee_file, 0, [registered(zebedee, NAME, BIRTHDAY)])
    await store.append(tenant, philippa_file, 0, [registered(philippa, OTHER_NAME, "1940-05-06")])
    await store.append(
        tenant,
        incident,
        0,
        [
            NewEvent("IncidentReported", {"severity": "low"}, {"injured": NAME}, zebedee),
        ],
    )

    (before,) = await store.read_stream(tenant, zebedee_file.id)
    assert before.data == {"role": "resident", "name": NAME, "date_of_birth": BIRTHDAY}
    assert not before.redacted
    key = await wrapped_key(database, tenant, zebedee)
    assert key is not None
    dump = await dump_data(database)
    assert str(tenant) in dump and key.hex() in dump  # the dump does hold this tenant's rows
    assert NAME not in dump and BIRTHDAY not in dump and OTHER_NAME not in dump

    erased = await store.erase_subject(tenant, zebedee)

    (after,) = await store.read_stream(tenant, zebedee_file.id)
    assert after.data == {"role": "resident", "name": REDACTED, "date_of_birth": REDACTED}
    assert after.redacted
    (reported,) = await store.read_stream(tenant, incident.id)
    assert (reported.data, reported.redacted) == ({"severity": "low", "injured": REDACTED}, True)
    (untouched,) = await store.read_stream(tenant, philippa_file.id)
    assert (untouched.data["name"], untouched.redacted) == (OTHER_NAME, False)
    report = await verify_chain(store.engine, tenant)
    assert (report.ok, report.checked) == (True, 4)
    assert await wrapped_key(database, tenant, zebedee) is None
    dump = await dump_data(database)
    assert NAME not in dump and BIRTHDAY not in dump
    assert key.hex() not in dump

    (erasure,) = await store.read_log(tenant, after_seq=erased.last_seq - 1)
    assert (erasure.stream_type, erasure.type) == ("data-subject", "DataSubjectErased")
    assert erasure.data == {"subject_id": str(zebedee), "key_destroyed": True}

    with pytest.raises(SubjectErased):
        await store.append(tenant, zebedee_file, 1, [registered(zebedee, NAME, BIRTHDAY)])
    await store.append(tenant, zebedee_file, 1, [NewEvent("PersonMovedOut", {"on": "2024-01-01"})])


async def test_a_subject_can_be_erased_when_their_id_is_also_their_record_stream_id(
    store: EventStore, tenant: UUID
) -> None:
    person = uuid4()
    await store.append(tenant, StreamRef("person", person), 0, [registered(person, NAME, BIRTHDAY)])

    await store.erase_subject(tenant, person)

    (event,) = await store.read_stream(tenant, person)
    assert (event.data["name"], event.redacted) == (REDACTED, True)
    assert (await verify_chain(store.engine, tenant)).ok


async def test_erasing_twice_records_that_no_key_was_left_the_second_time(
    store: EventStore, tenant: UUID
) -> None:
    person = uuid4()
    await store.append(
        tenant, StreamRef("person", uuid4()), 0, [registered(person, NAME, BIRTHDAY)]
    )

    first = await store.erase_subject(tenant, person)
    second = await store.erase_subject(tenant, person)

    erasures = await store.read_log(tenant, after_seq=first.last_seq - 1)
    assert [e.data["key_destroyed"] for e in erasures] == [True, False]
    assert second.last_seq == first.last_seq + 1


async def wait_until_an_app_session_waits_for_a_lock(database: MigratedDatabase) -> None:
    async with connected(database.superuser) as conn, asyncio.timeout(10):
        while not await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND usename = $1 AND wait_event_type = 'Lock'",
            database.settings.app_role,
        ):
            await asyncio.sleep(0.01)


async def test_erasure_racing_the_first_write_of_a_subject_leaves_no_readable_key(
    database: MigratedDatabase, store: EventStore, tenant: UUID
) -> None:
    """The writer creates the subject's key inside its transaction; an erasure that starts before
    that commits must still destroy the key, not record an erasure and leave the key behind."""
    person, record = uuid4(), StreamRef("person", uuid4())
    async with raw_connection(store.engine) as conn, conn.transaction():
        await store.append_in(conn, tenant, record, 0, [registered(person, NAME, BIRTHDAY)])
        erasing = asyncio.create_task(store.erase_subject(tenant, person))
        await wait_until_an_app_session_waits_for_a_lock(database)
    await erasing

    (event,) = await store.read_stream(tenant, record.id)
    assert (event.data["name"], event.redacted) == (REDACTED, True)
    assert await wrapped_key(database, tenant, person) is None
    with pytest.raises(SubjectErased):
        await store.append(tenant, record, 1, [registered(person, NAME, BIRTHDAY)])
