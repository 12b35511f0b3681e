"""Locations, users, people and /me over real HTTP."""

from __future__ import annotations

from uuid import uuid4

import httpx

from tests.e2e.conftest import Group


async def test_location_create_read_and_list(http: httpx.AsyncClient, group: Group) -> None:
    body = {"name": "Birch Lodge", "service_type": "homecare", "local_authority": "E08000026"}
    created = await http.post("/locations", json=body, headers=group.auth())

    assert created.status_code == 201, created.text
    assert created.headers["location"] == f"/api/v1/locations/{created.json()['id']}"
    assert created.headers["etag"] == '"1"'
    assert created.json()["record"]["service_type"] == "homecare"
    read = await http.get(f"/locations/{created.json()['id']}", headers=group.auth("quality_lead"))
    assert read.status_code == 200 and read.json()["record"]["name"] == "Birch Lodge"
    listed = await http.get("/locations", headers=group.auth(), params={"limit": 200})
    assert created.json()["id"] in [item["id"] for item in listed.json()["items"]]


async def test_home_manager_sees_only_their_homes(http: httpx.AsyncClient, group: Group) -> None:
    listed = await http.get("/locations", headers=group.auth("home_manager"))
    assert [item["id"] for item in listed.json()["items"]] == [str(group.homes[0])]
    other_home = await http.get(f"/locations/{group.homes[1]}", headers=group.auth("home_manager"))
    assert other_home.status_code == 404


async def test_me_answers_who_the_caller_is(http: httpx.AsyncClient, group: Group) -> None:
    response = await http.get("/me", headers=group.auth("home_manager"))
    assert response.status_code == 200, response.text
    me = response.json()
    assert me["roles"] == ["home_manager"] and me["location_ids"] == [str(group.homes[0])]
    assert me["organisation_kind"] == "provider" and me["email"].startswith("home_manager-")


async def test_another_tenants_location_is_not_found(
    http: httpx.AsyncClient, group: Group, other_group: Group
) -> None:
    response = await http.get(f"/locations/{other_group.homes[0]}", headers=group.auth())
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_invalid_location_body_is_refused_and_nothing_written(
    http: httpx.AsyncClient, fresh_group: Group, count_events
) -> None:
    before = await count_events(fresh_group.tenant_id)
    cases = [
        ({"service_type": "residential", "local_authority": "X"}, "name"),
        ({"name": "A", "service_type": "castle", "local_authority": "X"}, "service_type"),
        ({"name": "x" * 201, "service_type": "nursing", "local_authority": "X"}, "name"),
        ({"name": 5, "service_type": "nursing", "local_authority": "X"}, "name"),
        (
            {
                "name": "A",
                "service_type": "nursing",
                "local_authority": "X",
                "region_id": str(uuid4()),
            },
            "region_id",
        ),
    ]
    for body, field in cases:
        response = await http.post("/locations", json=body, headers=fresh_group.auth())
        assert 400 <= response.status_code < 500, (body, response.text)
        problem = response.json()
        assert problem["status"] == response.status_code
        assert any(field in e["field"] for e in problem["errors"]), (body, problem)
    assert await count_events(fresh_group.tenant_id) == before


async def test_people_personal_fields_and_erasure(http: httpx.AsyncClient, group: Group) -> None:
    body = {
        "kind": "resident",
        "name": "Mabel Quennell",
        "date_of_birth": "1938-04-02",
        "location_id": str(group.homes[0]),
    }
    created = await http.post("/people", json=body, headers=group.auth("home_manager"))
    assert created.status_code == 201, created.text
    person = created.json()["id"]

    erased = await http.post(
        f"/people/{person}/erase", json={"reason": "right to erasure"}, headers=group.auth()
    )

    assert erased.status_code == 200, erased.text
    record = (await http.get(f"/people/{person}", headers=group.auth())).json()["record"]
    assert (
        record["erased"] is True
        and record["name"] == "[erased]"
        and record["date_of_birth"] == "[erased]"
    )


async def test_staff_cannot_create_users(http: httpx.AsyncClient, group: Group) -> None:
    body = {
        "name": "N",
        "email": "n@example.org",
        "roles": ["staff"],
        "location_ids": [str(group.homes[0])],
    }
    response = await http.post("/users", json=body, headers=group.auth("staff"))
    assert response.status_code == 403


async def test_no_token_is_401(http: httpx.AsyncClient) -> None:
    response = await http.get("/locations")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_frameworks_list_the_cqc_single_assessment_framework(
    http: httpx.AsyncClient, group: Group
) -> None:
    response = await http.get("/frameworks", headers=group.auth("staff"))
    assert response.status_code == 200
    (saf,) = [f for f in response.json() if f["id"] == "cqc-saf-2024"]
    assert len(saf["key_questions"]) == 5 and len(saf["quality_statements"]) == 34
    assert {s["key_question"] for s in saf["quality_statements"]} == {
        k["id"] for k in saf["key_questions"]
    }
    assert (await http.get("/frameworks/nope", headers=group.auth())).status_code == 404


async def test_frameworks_need_a_token(http: httpx.AsyncClient) -> None:
    assert (await http.get("/frameworks")).status_code == 401


async def test_settings_change_the_deadlines_of_new_records(
    http: httpx.AsyncClient, fresh_group: Group
) -> None:
    before = (await http.get("/settings", headers=fresh_group.auth())).json()
    assert before["settings"]["complaints.acknowledge_working_days"] == 3

    refused = await http.put(
        "/settings", json={"settings": {"complaints.nope": 1}}, headers=fresh_group.auth()
    )
    forbidden = await http.put(
        "/settings",
        json={"settings": {"complaints.acknowledge_working_days": 5}},
        headers=fresh_group.auth("quality_lead"),
    )
    changed = await http.put(
        "/settings",
        json={"settings": {"complaints.acknowledge_working_days": 5}},
        headers=fresh_group.auth(),
    )

    assert (
        refused.status_code == 422
        and refused.json()["errors"][0]["field"] == "settings.complaints.nope"
    )
    assert forbidden.status_code == 403
    assert (
        changed.status_code == 200
        and changed.json()["settings"]["complaints.acknowledge_working_days"] == 5
    )
    complaint = await http.post(
        "/complaints",
        headers=fresh_group.auth(),
        json={
            "location_id": str(fresh_group.homes[0]),
            "received_at": "2026-11-02T10:00:00Z",
            "channel": "email",
            "summary": "Test",
        },
    )
    assert complaint.status_code == 201, complaint.text
    assert complaint.json()["record"]["acknowledge_by"] == "2026-11-09"  # Monday + 5 working days


async def test_erasure_replays_with_its_idempotency_key_and_refuses_a_second_erasure(
    http: httpx.AsyncClient, fresh_group: Group, count_events
) -> None:
    body = {"kind": "relative", "name": "Ivor Pennington", "location_id": str(fresh_group.homes[0])}
    person = (await http.post("/people", json=body, headers=fresh_group.auth())).json()["id"]
    headers = {**fresh_group.auth(), "Idempotency-Key": "erase-ivor"}

    first = await http.post(f"/people/{person}/erase", json={"reason": "request"}, headers=headers)
    events = await count_events(fresh_group.tenant_id)
    again = await http.post(f"/people/{person}/erase", json={"reason": "request"}, headers=headers)
    second = await http.post(
        f"/people/{person}/erase", json={"reason": "again"}, headers=fresh_group.auth()
    )

    assert first.status_code == 200, first.text
    assert (again.status_code, again.json()) == (200, first.json())
    assert second.status_code == 409
    assert await count_events(fresh_group.tenant_id) == events
