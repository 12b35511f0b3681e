"""External viewers as PostgreSQL enforces them: with `app.external_org` bound, the application
role sees exactly the rows of homes currently granted to that organisation, in the event log,
the record index and the read models; a revoked or expired grant shows nothing at once, and
with nothing bound nothing is seen."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest

from eventstore import EventStore
from eventstore.binding import Binding, bind
from eventstore.connection import raw_connection
from projections import PROJECTIONS, Runner
from services import catalog
from services.access.grants import GRANTS, GrantAccess, RevokeAccess
from services.access.schema import EXTERNAL_SETTING
from services.actions.commands import RaiseAction
from services.actions.decide import DECIDER as ACTIONS
from services.kernel.handling import Caller, Records
from services.organisations.locations import LOCATIONS, RegisterLocation
from services.organisations.people import PEOPLE, RecordPerson
from tests.conftest import MigratedDatabase
from tests.integration.direct_sql import bind_tenant, connected

TABLES = ("events", "records", "projection_documents", "access_grants")


@dataclass
class Provider:
    tenant_id: UUID
    homes: list[UUID]


@pytest.fixture
def records(store: EventStore) -> Iterator[Records]:
    yield Records(store, catalog.event_registry())


async def provider(records: Records, homes: int = 2) -> Provider:
    tenant = uuid4()
    caller = Caller(tenant, uuid4(), tenant)
    found = Provider(tenant, [])
    for n in range(homes):
        home = uuid4()
        command = RegisterLocation(
            location_id=home, name=f"Home {n}", service_type="residential", local_authority="E1"
        )
        await records.execute(caller, LOCATIONS, home, command, creating=True)
        person = RecordPerson(
            person_id=uuid4(), kind="resident", name="A. Resident", location_id=home
        )
        await records.execute(caller, PEOPLE, person.person_id, person, creating=True)
        action = RaiseAction(
            action_id=uuid4(),
            location_id=home,
            title="Fix MAR gaps",
            description="Sign at each round",
            success_measure="No gaps",
            owner_id=caller.actor,
            due_date=date(2030, 1, 1),
            priority="high",
        )
        await records.execute(
            caller, ACTIONS, action.action_id, action, creating=True, reference_prefix="ACT"
        )
        found.homes.append(home)
    await Runner(records.store, PROJECTIONS).catch_up(tenant)
    return found


async def grant(
    records: Records,
    owner: Provider,
    home: UUID,
    organisation: UUID,
    *,
    kind: str = "local_authority",
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    at: datetime | None = None,
) -> UUID:
    grant_id = uuid4()
    command = GrantAccess(
        grant_id=grant_id,
        location_id=home,
        organisation_id=organisation,
        valid_from=valid_from,
        valid_until=valid_until,
        purpose="quality monitoring",
    )
    records.clock = lambda: at or datetime.now(UTC)
    try:
        await records.execute(
            Caller(owner.tenant_id, uuid4(), owner.tenant_id),
            GRANTS,
            grant_id,
            command,
            creating=True,
            facts={"organisation_kind": kind},
        )
    finally:
        records.clock = lambda: datetime.now(UTC)
    return grant_id


async def visible(url: str, organisation: UUID | None) -> dict[str, set[tuple[str, ...]]]:
    """What the role sees of each table in one transaction with `organisation` bound."""
    async with connected(url) as conn, conn.transaction():
        if organisation is not None:
            await bind(conn, Binding.external(organisation))
        return {
            "events": await rows(conn, "SELECT tenant_id, location_id, stream_type FROM events"),
            "records": await rows(conn, "SELECT tenant_id, location_id, collection FROM records"),
            "projection_documents": await rows(
                conn,
                "SELECT tenant_id, coalesce(doc ->> 'location_id', doc_id), projection"
                " FROM projection_documents",
            ),
            "access_grants": await rows(conn, "SELECT tenant_id, location_id FROM access_grants"),
        }


async def rows(conn: Any, sql: str) -> set[tuple[str, ...]]:
    return {tuple(str(v) for v in row.values()) for row in await conn.fetch(sql)}


def homes_of(seen: set[tuple[str, ...]]) -> set[tuple[str, str]]:
    return {(row[0], row[1]) for row in seen}


async def test_an_external_organisation_sees_exactly_its_granted_homes_across_providers(
    database: MigratedDatabase, records: Records
) -> None:
    a, b = await provider(records), await provider(records)
    council, other_council = uuid4(), uuid4()
    await grant(records, a, a.homes[0], council)
    await grant(records, b, b.homes[1], council)
    await grant(records, a, a.homes[1], other_council)

    seen = await visible(database.app, council)

    granted = {(str(a.tenant_id), str(a.homes[0])), (str(b.tenant_id), str(b.homes[1]))}
    assert homes_of(seen["events"]) == granted
    assert homes_of(seen["records"]) == granted
    assert homes_of(seen["projection_documents"]) == granted
    assert homes_of(seen["access_grants"]) == granted
    # Only the home's record of itself: no people, no grant records, no other projection.
    assert {row[2] for row in seen["events"]} == {"location", "action"}
    assert {row[2] for row in seen["records"]} == {"locations", "actions"}
    assert {row[2] for row in seen["projection_documents"]} == {"home_dashboard", "home_records"}
    # The rows are there: a superuser sees the people and grants the viewer does not.
    everything = await visible(database.superuser, None)
    assert {row[2] for row in everything["events"] if row[0] == str(a.tenant_id)} >= {
        "location",
        "person",
        "access-grant",
    }


async def test_revoking_a_grant_removes_access_at_once(
    database: MigratedDatabase, records: Records
) -> None:
    a = await provider(records)
    council = uuid4()
    first = await grant(records, a, a.homes[0], council)
    await grant(records, a, a.homes[1], council)
    assert len(homes_of((await visible(database.app, council))["records"])) == 2

    await records.execute(
        Caller(a.tenant_id, uuid4(), a.tenant_id), GRANTS, first, RevokeAccess(reason="ended")
    )

    seen = await visible(database.app, council)
    for table in ("events", "records", "projection_documents"):
        assert homes_of(seen[table]) == {(str(a.tenant_id), str(a.homes[1]))}, table


async def test_an_expired_or_future_grant_shows_nothing(
    database: MigratedDatabase, records: Records
) -> None:
    a = await provider(records)
    inspectorate = uuid4()
    now = datetime.now(UTC)
    await grant(
        records,
        a,
        a.homes[0],
        inspectorate,
        kind="regulator",
        valid_from=now - timedelta(days=10),
        valid_until=now - timedelta(seconds=1),
        at=now - timedelta(days=20),
    )
    await grant(
        records,
        a,
        a.homes[1],
        inspectorate,
        kind="regulator",
        valid_from=now + timedelta(days=1),
        valid_until=now + timedelta(days=2),
    )

    seen = await visible(database.app, inspectorate)

    for table in ("events", "records", "projection_documents"):
        assert seen[table] == set(), table
    assert len(seen["access_grants"]) == 2  # its own grants, which it may know of


async def test_with_nothing_bound_nothing_is_seen(
    database: MigratedDatabase, records: Records
) -> None:
    a = await provider(records)
    await grant(records, a, a.homes[0], uuid4())

    for bound in (None, ""):
        async with connected(database.app) as conn, conn.transaction():
            if bound is not None:
                await conn.execute("SELECT set_config($1, '', true)", EXTERNAL_SETTING)
            for table in TABLES:
                assert await conn.fetchval(f"SELECT count(*) FROM {table}") == 0, table
    assert all(not seen for seen in (await visible(database.app, uuid4())).values())


async def test_an_external_binding_cannot_write_and_does_not_widen_a_tenant(
    database: MigratedDatabase, records: Records
) -> None:
    a, b = await provider(records), await provider(records)
    council = uuid4()
    await grant(records, b, b.homes[0], council)

    async with connected(database.app) as conn:
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
            async with conn.transaction():
                await bind(conn, Binding.external(council))
                await conn.execute(
                    "INSERT INTO records (tenant_id, collection, record_id, location_id, status,"
                    " version, created_at, updated_at) VALUES ($1, 'actions', $2, $3, 'open', 1,"
                    " now(), now())",
                    b.tenant_id,
                    uuid4(),
                    b.homes[0],
                )
        async with conn.transaction():  # a provider's own binding sees only its own rows
            await bind_tenant(conn, a.tenant_id)
            tenants = await rows(conn, "SELECT DISTINCT tenant_id FROM records")
        assert tenants == {(str(a.tenant_id),)}


async def test_an_external_viewer_is_bound_as_its_organisation_never_the_tenant(
    store: EventStore,
) -> None:
    """What `Principal.binding` binds, read back from PostgreSQL: an external viewer reading a
    provider is bound as its organisation (never as that tenant), reading its own users as its
    own tenant; a provider's user as their tenant. Each binding ends with its transaction."""
    from services.access.binding import bind_viewer
    from services.http.principal import Principal

    provider_tenant, council, user = uuid4(), uuid4(), uuid4()
    settings = "SELECT current_setting('app.tenant_id', true), current_setting($1, true)"

    async def bound(binding: Binding) -> tuple[str | None, str | None]:
        async with raw_connection(store.pool) as conn:
            async with conn.transaction():
                await bind(conn, binding)
                row = await conn.fetchrow(settings, EXTERNAL_SETTING)
            after = await conn.fetchrow(settings, EXTERNAL_SETTING)
        assert not after[0] and not after[1]  # nothing outlives the transaction
        return row[0] or None, row[1] or None

    viewer = Principal(user, council, "local_authority", (), (), viewing=provider_tenant)
    assert await bound(viewer.binding) == (None, str(council))
    assert await bound(dataclasses.replace(viewer, viewing=None).binding) == (str(council), None)
    staff = Principal(user, provider_tenant, "provider", ("staff",), ())
    assert await bound(staff.binding) == (str(provider_tenant), None)
    with pytest.raises(RuntimeError):
        bind_viewer(council, "local_authority", user)  # outside a request: refused
