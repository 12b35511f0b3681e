"""Local authorities and inspectors over real HTTP: they read exactly the homes granted to their
organisation, by any provider, never write, lose access the moment a grant is revoked, and each
of their reads appears in the access log of the provider whose data it showed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest_asyncio

from services.access.organisations import add_external_user, create_external_organisation
from services.http.principal import mint_token
from services.kernel.handling import Records
from tests.e2e.conftest import Group, LiveApi, make_group

STATEMENT = "safe.medicines-optimisation"


@dataclass
class Viewer:
    organisation_id: UUID
    user_id: UUID
    headers: dict[str, str]


async def viewer(records: Records, live_api: LiveApi, kind: str, name: str) -> Viewer:
    organisation = await create_external_organisation(records, kind, name)
    role = "la_officer" if kind == "local_authority" else "inspector"
    user = await add_external_user(
        records, organisation, f"{name} officer", f"{organisation}@gov.example"
    )
    token = mint_token(
        live_api.runtime.signing_key,
        user_id=user,
        organisation_id=organisation,
        organisation_kind=kind,
        roles=[role],
        location_ids=[],
    )
    return Viewer(organisation, user, {"Authorization": f"Bearer {token}"})


@dataclass
class World:
    a: Group
    b: Group
    council: Viewer
    other_council: Viewer
    grants: dict[str, str]
    actions: dict[str, str]


async def new_action(http: httpx.AsyncClient, group: Group, home: UUID) -> str:
    body = {
        "location_id": str(home),
        "title": "Fix MAR chart gaps",
        "description": "Night staff sign MAR charts at each medication round",
        "success_measure": "No MAR gaps at the next two medication audits",
        "owner_id": str(group.users["quality_lead"]),
        "due_date": "2025-03-31",
        "priority": "high",
        "source": {"kind": "audit_finding", "id": "audit-17:medication.mar-signed"},
        "quality_statements": [STATEMENT],
    }
    response = await http.post("/actions", json=body, headers=group.auth())
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def grant(
    http: httpx.AsyncClient, group: Group, home: UUID, organisation: UUID, **extra: Any
) -> httpx.Response:
    body = {"location_id": str(home), "organisation_id": str(organisation), "purpose": "monitoring"}
    return await http.post("/grants", json={**body, **extra}, headers=group.auth())


@pytest_asyncio.fixture(loop_scope="session")
async def world(http: httpx.AsyncClient, records: Records, live_api: LiveApi) -> World:
    a = await make_group(http, records, live_api, "Provider A")
    b = await make_group(http, records, live_api, "Provider B")
    council = await viewer(records, live_api, "local_authority", "Leeds City Council")
    other = await viewer(records, live_api, "local_authority", "Bradford Council")
    grants = {}
    for key, group, home in (("a0", a, a.homes[0]), ("b1", b, b.homes[1])):
        response = await grant(http, group, home, council.organisation_id)
        assert response.status_code == 201, response.text
        grants[key] = response.json()["id"]
    actions = {
        "a0": await new_action(http, a, a.homes[0]),
        "a1": await new_action(http, a, a.homes[1]),
        "b1": await new_action(http, b, b.homes[1]),
    }
    return World(a, b, council, other, grants, actions)


async def test_the_overview_compares_exactly_the_granted_homes_of_both_providers(
    http: httpx.AsyncClient, world: World
) -> None:
    response = await http.get("/la/overview", headers=world.council.headers)
    assert response.status_code == 200, response.text
    overview = response.json()
    shown = {(h["provider_id"], h["location_id"]) for h in overview["homes"]}
    assert shown == {
        (str(world.a.tenant_id), str(world.a.homes[0])),
        (str(world.b.tenant_id), str(world.b.homes[1])),
    }
    assert {p["id"] for p in overview["providers"]} == {
        str(world.a.tenant_id),
        str(world.b.tenant_id),
    }
    home_a0 = next(h for h in overview["homes"] if h["location_id"] == str(world.a.homes[0]))
    assert world.actions["a0"] in home_a0["open_actions"]["ids"]
    assert len(overview["ranking"]["homes"]) == 2

    nothing = await http.get("/la/overview", headers=world.other_council.headers)
    assert nothing.status_code == 200 and nothing.json()["homes"] == []
    provider = await http.get("/la/overview", headers=world.a.auth())
    assert provider.status_code == 403


async def test_record_history_dashboard_and_evidence_work_within_granted_homes_only(
    http: httpx.AsyncClient, world: World
) -> None:
    council = world.council.headers
    for key in ("a0", "b1"):
        record = await http.get(f"/actions/{world.actions[key]}", headers=council)
        assert record.status_code == 200, record.text
        history = await http.get(f"/actions/{world.actions[key]}/history", headers=council)
        assert history.status_code == 200 and history.json()[0]["event_type"] == "ActionRaised"
    a0, a1 = world.a.homes
    dashboard = await http.get(f"/locations/{a0}/dashboard", headers=council)
    assert dashboard.status_code == 200, dashboard.text
    assert world.actions["a0"] in dashboard.json()["actions"]["open"]["ids"]
    evidence = await http.get(
        "/evidence",
        params={"quality_statement": STATEMENT, "location_id": str(a0)},
        headers=council,
    )
    assert evidence.status_code == 200, evidence.text
    outcomes = next(c for c in evidence.json()["categories"] if c["id"] == "outcomes")
    assert [i["id"] for i in outcomes["items"]] == [world.actions["a0"]]
    listed = await http.get("/actions", params={"location_id": str(a0)}, headers=council)
    assert [i["id"] for i in listed.json()["items"]] == [world.actions["a0"]]

    refused = [
        await http.get(f"/actions/{world.actions['a1']}", headers=council),
        await http.get(f"/actions/{world.actions['a1']}/history", headers=council),
        await http.get(f"/locations/{a1}/dashboard", headers=council),
        await http.get(
            "/evidence",
            params={"quality_statement": STATEMENT, "location_id": str(a1)},
            headers=council,
        ),
        await http.get(f"/users/{world.a.users['group_admin']}", headers=council),
        await http.get(f"/actions/{world.actions['a0']}", headers=world.other_council.headers),
    ]
    assert [r.status_code for r in refused] == [404] * len(refused)
    listed = await http.get("/actions", params={"location_id": str(a1)}, headers=council)
    assert listed.json()["items"] == []


async def test_every_write_is_refused_and_nothing_is_stored(
    http: httpx.AsyncClient, world: World, count_events: Any
) -> None:
    council, a = world.council.headers, world.a
    before = await count_events(a.tenant_id)
    attempts = [
        await http.post(
            f"/actions/{world.actions['a0']}/note", json={"text": "seen"}, headers=council
        ),
        await http.post(f"/actions/{world.actions['a0']}/start", headers=council),
        await http.post(
            "/actions",
            json={"location_id": str(a.homes[0]), "title": "x"},
            headers=council,
        ),
        await http.post(
            f"/grants/{world.grants['a0']}/revoke", json={"reason": "mine now"}, headers=council
        ),
        await http.post(
            "/grants",
            json={
                "location_id": str(a.homes[1]),
                "organisation_id": str(world.council.organisation_id),
                "purpose": "self-service",
            },
            headers=council,
        ),
    ]
    # Refused before anything is looked up or parsed: the same answer for every write.
    assert [r.status_code for r in attempts] == [403] * len(attempts)
    assert await count_events(a.tenant_id) == before


async def test_a_revoked_grant_stops_access_at_once(
    http: httpx.AsyncClient, records: Records, live_api: LiveApi
) -> None:
    group = await make_group(http, records, live_api, "Revoking Group")
    council = await viewer(records, live_api, "local_authority", "Wakefield Council")
    granted = await grant(http, group, group.homes[0], council.organisation_id)
    action = await new_action(http, group, group.homes[0])
    assert (await http.get(f"/actions/{action}", headers=council.headers)).status_code == 200

    revoked = await http.post(
        f"/grants/{granted.json()['id']}/revoke",
        json={"reason": "contract ended"},
        headers=group.auth(),
    )
    assert revoked.status_code == 200, revoked.text

    after = [
        await http.get(f"/actions/{action}", headers=council.headers),
        await http.get(f"/locations/{group.homes[0]}/dashboard", headers=council.headers),
    ]
    assert [r.status_code for r in after] == [404, 404]
    overview = await http.get("/la/overview", headers=council.headers)
    assert overview.json()["homes"] == []
    again = await http.post(
        f"/grants/{granted.json()['id']}/revoke", json={"reason": "twice"}, headers=group.auth()
    )
    assert again.status_code == 409


async def test_an_inspectors_grant_is_time_limited(
    http: httpx.AsyncClient, records: Records, live_api: LiveApi, count_events: Any
) -> None:
    group = await make_group(http, records, live_api, "Inspected Group")
    cqc = await viewer(records, live_api, "regulator", "CQC")
    before = await count_events(group.tenant_id)
    now = datetime.now(UTC)
    refusals = {
        "until": await grant(http, group, group.homes[0], cqc.organisation_id),
        "until ": await grant(
            http,
            group,
            group.homes[0],
            cqc.organisation_id,
            **{"from": now.isoformat(), "until": (now - timedelta(hours=1)).isoformat()},
        ),
        "organisation_id": await grant(http, group, group.homes[0], group.tenant_id),
        "organisation_id ": await grant(http, group, group.homes[0], cqc.user_id),
        "location_id": await grant(http, group, cqc.organisation_id, cqc.organisation_id),
    }
    for field, response in refusals.items():
        assert response.status_code == 422, (field, response.text)
        assert response.json()["errors"][0]["field"] == field.strip(), response.text
    staff = await http.post(
        "/grants",
        json={
            "location_id": str(group.homes[0]),
            "organisation_id": str(cqc.organisation_id),
            "purpose": "x",
            "until": (now + timedelta(days=1)).isoformat(),
        },
        headers=group.auth("home_manager"),
    )
    assert staff.status_code == 403
    assert await count_events(group.tenant_id) == before

    response = await grant(
        http,
        group,
        group.homes[0],
        cqc.organisation_id,
        until=(now + timedelta(days=3)).isoformat(),
        purpose="CQC assessment",
    )
    assert response.status_code == 201, response.text
    assert response.json()["record"]["organisation_kind"] == "regulator"
    dashboard = await http.get(f"/locations/{group.homes[0]}/dashboard", headers=cqc.headers)
    assert dashboard.status_code == 200


async def test_the_access_log_shows_each_provider_only_the_reads_of_its_own_homes(
    http: httpx.AsyncClient, world: World, group: Group
) -> None:
    council = world.council
    dashboard = await http.get(f"/locations/{world.b.homes[1]}/dashboard", headers=council.headers)
    assert dashboard.status_code == 200
    read = await http.get(f"/actions/{world.actions['b1']}", headers=council.headers)
    assert read.status_code == 200
    await http.get(f"/actions/{world.actions['a1']}", headers=council.headers)  # 404: not a read

    log_b = await http.get("/access-log", headers=world.b.auth())
    assert log_b.status_code == 200, log_b.text
    entries = log_b.json()["items"]
    latest = entries[0]
    assert latest["viewer_organisation_id"] == str(council.organisation_id)
    assert latest["viewer_user_id"] == str(council.user_id)
    assert latest["records"] == [{"collection": "actions", "id": world.actions["b1"]}]
    assert latest["location_ids"] == [str(world.b.homes[1])]
    assert {h for e in entries for h in e["location_ids"]} == {str(world.b.homes[1])}

    by_home = await http.get(
        "/access-log", params={"location_id": str(world.b.homes[1])}, headers=world.b.auth()
    )
    assert [e["seq"] for e in by_home.json()["items"]] == [e["seq"] for e in entries]
    ungranted = await http.get(
        "/access-log", params={"location_id": str(world.b.homes[0])}, headers=world.b.auth()
    )
    other_org = await http.get(
        "/access-log",
        params={"organisation_id": str(world.other_council.organisation_id)},
        headers=world.b.auth(),
    )
    assert ungranted.json()["items"] == [] and other_org.json()["items"] == []
    first = await http.get("/access-log", params={"limit": 1}, headers=world.b.auth())
    assert first.json()["items"][0]["seq"] == latest["seq"]
    before = first.json()["next_before"]
    older = await http.get(
        "/access-log", params={"limit": 1, "before": before}, headers=world.b.auth()
    )
    assert older.json()["items"][0]["seq"] == entries[1]["seq"]
    assert entries[1]["records"] == [{"collection": "locations", "id": str(world.b.homes[1])}]

    log_a = await http.get("/access-log", headers=world.a.auth("quality_lead"))
    assert log_a.status_code == 200
    logged_a = {r["id"] for e in log_a.json()["items"] for r in e["records"]}
    assert world.actions["b1"] not in logged_a and world.actions["a1"] not in logged_a
    assert {h for e in log_a.json()["items"] for h in e["location_ids"]} <= {str(world.a.homes[0])}

    elsewhere = await http.get("/access-log", headers=group.auth())
    assert elsewhere.status_code == 200
    assert all(
        e["viewer_organisation_id"] != str(council.organisation_id)
        for e in elsewhere.json()["items"]
    )
    forbidden = [
        await http.get("/access-log", headers=world.a.auth("staff")),
        await http.get("/access-log", headers=council.headers),
    ]
    assert [r.status_code for r in forbidden] == [403, 403]


async def overview_homes(http: httpx.AsyncClient, token: str | None) -> tuple[set[str], set[str]]:
    assert token is not None
    response = await http.get("/la/overview", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    body = response.json()
    return {h["name"] for h in body["homes"]}, {p["name"] for p in body["providers"]}


async def test_the_demo_councils_and_inspector_see_what_they_were_granted(
    http: httpx.AsyncClient, demo_seeded: LiveApi
) -> None:
    from infra.admin import token_for
    from infra.demo.organisations import GROUPS

    runtime = demo_seeded.runtime
    leeds = await overview_homes(
        http, await token_for(runtime, "quality.officer@leeds.gov.example", 1)
    )
    assert leeds == ({"Meadowbank House", "Rosewood Lodge", "Kirkstall Court"}, set(GROUPS))
    bradford = await overview_homes(
        http, await token_for(runtime, "quality.officer@bradford.gov.example", 1)
    )
    assert bradford == ({"Holly Bank", "Saltaire View", "Shipley Gardens"}, set(GROUPS))
    cqc = await overview_homes(http, await token_for(runtime, "inspector@cqc.example", 1))
    assert cqc == ({"Roundhay Grange"}, {"Northern Lights Homes"})


async def test_the_cli_creates_an_external_organisation_whose_user_can_sign_in(
    http: httpx.AsyncClient, live_api: LiveApi
) -> None:
    import json

    from infra.access_cli import create_external
    from infra.admin import token_for

    email = f"officer-{uuid4().hex[:6]}@kirklees.gov.example"
    created = json.loads(
        await create_external(
            live_api.runtime, "local_authority", "Kirklees Council", email, "K. Officer"
        )
    )
    token = await token_for(live_api.runtime, email, 1)
    me = await http.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200, me.text
    assert (me.json()["organisation_id"], me.json()["organisation_kind"], me.json()["roles"]) == (
        created["organisation_id"],
        "local_authority",
        ["la_officer"],
    )


async def test_a_read_that_cannot_be_logged_is_not_served(
    http: httpx.AsyncClient, world: World, monkeypatch: Any
) -> None:
    async def log_down(*_args: Any, **_kwargs: Any) -> None:
        raise ConnectionError("the access log cannot be written")

    monkeypatch.setattr("services.access.middleware.record_reads", log_down)
    action = world.actions["a0"]
    refused = await http.get(f"/actions/{action}", headers=world.council.headers)
    assert refused.status_code == 503
    assert refused.headers["content-type"] == "application/problem+json"
    assert action not in refused.text and "Fix MAR" not in refused.text
    provider = await http.get(f"/actions/{action}", headers=world.a.auth())
    assert provider.status_code == 200  # providers' own reads are not external reads


async def test_an_expired_grant_stops_access_without_anyone_acting(
    http: httpx.AsyncClient, records: Records, live_api: LiveApi
) -> None:
    """Grants are checked against the database's clock on every request: here that clock
    passes the grant's end (its window moved to have ended a second ago) rather than a test
    waiting for it in real time."""
    import asyncpg

    from infra.database import asyncpg_dsn

    group = await make_group(http, records, live_api, "Expiring Group")
    cqc = await viewer(records, live_api, "regulator", "CQC short visit")
    until = datetime.now(UTC) + timedelta(hours=1)
    granted = await grant(http, group, group.homes[0], cqc.organisation_id, until=until.isoformat())
    assert granted.status_code == 201, granted.text
    action = await new_action(http, group, group.homes[0])
    assert (await http.get(f"/actions/{action}", headers=cqc.headers)).status_code == 200

    conn = await asyncpg.connect(asyncpg_dsn(live_api.database.superuser))
    try:
        moved = await conn.execute(
            "UPDATE access_grants SET valid_until = now() - interval '1 second'"
            " WHERE grant_id = $1",
            UUID(granted.json()["id"]),
        )
    finally:
        await conn.close()
    assert moved == "UPDATE 1"

    assert (await http.get(f"/actions/{action}", headers=cqc.headers)).status_code == 404
    overview = await http.get("/la/overview", headers=cqc.headers)
    assert overview.json()["homes"] == []
