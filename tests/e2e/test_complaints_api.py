"""Complaints over real HTTP: the lifecycle, working-day deadlines, history, as_of and refusals."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import httpx

from tests.e2e.conftest import Group

# Thursday 27 August 2026; Monday 31 August is the late summer bank holiday.
RECEIVED_AT = "2026-08-27T10:15:00+01:00"


def complaint_body(group: Group, **changes: Any) -> dict[str, Any]:
    body = {
        "location_id": str(group.homes[0]),
        "received_at": RECEIVED_AT,
        "channel": "email",
        "summary": "Laundry repeatedly returned to the wrong room",
    }
    return {**body, **changes}


async def receive(http: httpx.AsyncClient, group: Group, **changes: Any) -> dict[str, Any]:
    response = await http.post(
        "/complaints", json=complaint_body(group, **changes), headers=group.auth()
    )
    assert response.status_code == 201, response.text
    return response.json()


async def command(
    http: httpx.AsyncClient,
    group: Group,
    complaint_id: str,
    name: str,
    body: Any,
    role: str = "group_admin",
) -> httpx.Response:
    return await http.post(
        f"/complaints/{complaint_id}/{name}", json=body, headers=group.auth(role)
    )


async def person(http: httpx.AsyncClient, group: Group) -> str:
    body = {"kind": "complainant", "name": "Jo Relative", "location_id": str(group.homes[0])}
    response = await http.post("/people", json=body, headers=group.auth())
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def assert_problem(response: httpx.Response, field: str) -> None:
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == response.status_code
    assert any(field in error["field"] for error in problem["errors"]), problem["errors"]


async def test_receiving_a_complaint_fixes_working_day_deadlines(
    http: httpx.AsyncClient, group: Group
) -> None:
    complainant = await person(http, group)

    response = await http.post(
        "/complaints",
        json=complaint_body(group, complainant_id=complainant),
        headers=group.auth("home_manager"),
    )

    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == f"/api/v1/complaints/{created['id']}"
    assert response.headers["etag"] == '"1"'
    record = created["record"]
    assert record["status"] == "received" and record["reference"].startswith("CMP-")
    assert record["acknowledge_by"] == "2026-09-02"  # Fri 28, (Mon 31 holiday), Tue 1, Wed 2
    assert record["respond_by"] == "2026-09-25"
    assert record["complainant_id"] == complainant and record["age_working_days"] > 50


async def test_the_whole_lifecycle_with_history_and_as_of(
    http: httpx.AsyncClient, group: Group
) -> None:
    complaint = (await receive(http, group))["id"]
    steps = [
        ("acknowledge", {"acknowledged_at": "2026-08-28T09:00:00Z"}, "acknowledged"),
        (
            "investigate",
            {
                "investigator_id": str(group.users["home_manager"]),
                "started_at": "2026-09-01T09:00:00Z",
            },
            "investigating",
        ),
        (
            "extend",
            {"new_respond_by": "2026-10-09", "reason": "Awaiting the laundry contractor"},
            "investigating",
        ),
        (
            "respond",
            {
                "outcome": "upheld",
                "responded_at": "2026-10-08T16:00:00+01:00",
                "summary": "Name labels on all clothing; apology sent",
            },
            "responded",
        ),
        ("close", {"note": "Complainant satisfied"}, "closed"),
        (
            "escalate",
            {
                "to": "ombudsman",
                "escalated_at": "2026-10-20T10:00:00Z",
                "reference": "LGSCO 26 004 512",
            },
            "escalated",
        ),
        ("reopen", {"reason": "The Ombudsman asked us to look again"}, "investigating"),
    ]
    for version, (name, body, status) in enumerate(steps, start=2):
        response = await command(http, group, complaint, name, body)
        assert response.status_code == 200, (name, response.text)
        assert response.json()["version"] == version and response.headers["etag"] == f'"{version}"'
        assert response.json()["record"]["status"] == status, name

    record = (await http.get(f"/complaints/{complaint}", headers=group.auth())).json()["record"]
    assert record["respond_by"] > "2026-11-01" and record["outcome"] is None
    assert (
        record["escalated_to"] == "ombudsman"
        and record["ombudsman_reference"] == "LGSCO 26 004 512"
    )
    assert record["acknowledged_late"] is False and record["extensions"] == 1
    history = (await http.get(f"/complaints/{complaint}/history", headers=group.auth())).json()
    assert [entry["event_type"] for entry in history] == [
        "ComplaintReceived",
        "ComplaintAcknowledged",
        "ComplaintInvestigationStarted",
        "ComplaintResponseDeadlineExtended",
        "ComplaintResponded",
        "ComplaintClosed",
        "ComplaintEscalated",
        "ComplaintReopened",
    ]
    assert history[3]["changes"]["respond_by"] == {"old": "2026-09-25", "new": "2026-10-09"}
    as_of = await http.get(
        f"/complaints/{complaint}",
        params={"as_of": history[4]["recorded_at"]},
        headers=group.auth(),
    )
    assert as_of.status_code == 200 and as_of.json()["version"] == 5
    assert (
        as_of.json()["record"]["outcome"] == "upheld"
        and as_of.json()["record"]["responded_late"] is False
    )


async def test_a_late_acknowledgement_is_recorded_and_listed(
    http: httpx.AsyncClient, group: Group
) -> None:
    complaint = (await receive(http, group, location_id=str(group.homes[1])))["id"]

    response = await command(
        http, group, complaint, "acknowledge", {"acknowledged_at": "2026-09-03T08:00:00Z"}
    )

    assert response.status_code == 200, response.text
    assert response.json()["record"]["acknowledged_late"] is True
    listed = await http.get(
        "/complaints",
        params={
            "location_id": str(group.homes[1]),
            "status": "acknowledged",
            "limit": 200,
            "from": "2026-08-27T00:00:00Z",
            "to": "2026-08-28T00:00:00Z",
        },
        headers=group.auth("quality_lead"),
    )
    later = await http.get(
        "/complaints", params={"from": "2026-08-28T00:00:00Z", "limit": 200}, headers=group.auth()
    )
    assert complaint not in [i["id"] for i in later.json()["items"]]
    item = next(i for i in listed.json()["items"] if i["id"] == complaint)
    assert item["summary"] == {
        "channel": "email",
        "acknowledge_by": "2026-09-02",
        "respond_by": "2026-09-25",
        "acknowledged_late": True,
        "outcome": None,
    }
    assert item["key_date"].startswith("2026-08-27") and item["reference"].startswith("CMP-")


async def test_a_response_after_the_deadline_is_recorded_as_late(
    http: httpx.AsyncClient, group: Group
) -> None:
    complaint = (await receive(http, group))["id"]
    await command(
        http, group, complaint, "acknowledge", {"acknowledged_at": "2026-08-28T09:00:00Z"}
    )

    response = await command(
        http,
        group,
        complaint,
        "respond",
        {
            "outcome": "not_upheld",
            "responded_at": "2026-09-28T09:00:00Z",
            "summary": "No fault found",
        },
    )

    assert response.status_code == 200, response.text
    assert response.json()["record"]["responded_late"] is True


async def test_an_overdue_complaint_can_go_to_the_ombudsman_early(
    http: httpx.AsyncClient, group: Group
) -> None:
    complaint = (await receive(http, group))["id"]

    early = await command(
        http,
        group,
        complaint,
        "escalate",
        {"to": "ombudsman", "escalated_at": "2026-09-10T09:00:00Z"},
    )
    overdue = await command(
        http,
        group,
        complaint,
        "escalate",
        {"to": "ombudsman", "escalated_at": "2026-10-01T09:00:00Z"},
    )

    assert early.status_code == 409 and early.headers["content-type"].startswith(
        "application/problem+json"
    )
    assert overdue.status_code == 200 and overdue.json()["record"]["status"] == "escalated"


async def test_stale_if_match_is_refused(http: httpx.AsyncClient, group: Group) -> None:
    complaint = (await receive(http, group))["id"]

    response = await http.post(
        f"/complaints/{complaint}/acknowledge",
        json={"acknowledged_at": "2026-08-28T09:00:00Z"},
        headers={**group.auth(), "If-Match": '"7"'},
    )

    assert response.status_code == 412 and response.json()["current_version"] == 1


async def test_idempotent_receipt_is_replayed_not_duplicated(
    http: httpx.AsyncClient, group: Group
) -> None:
    headers = {**group.auth(), "Idempotency-Key": f"complaint-{uuid4()}"}
    body = complaint_body(group)

    first = await http.post("/complaints", json=body, headers=headers)
    second = await http.post("/complaints", json=body, headers=headers)

    assert first.status_code == second.status_code == 201
    assert (
        first.json()["id"] == second.json()["id"]
        and second.headers["idempotent-replayed"] == "true"
    )


async def test_other_tenants_and_other_homes_see_nothing(
    http: httpx.AsyncClient, group: Group, other_group: Group
) -> None:
    complaint = (await receive(http, group, location_id=str(group.homes[1])))["id"]

    for path in (f"/complaints/{complaint}", f"/complaints/{complaint}/history"):
        assert (await http.get(path, headers=other_group.auth())).status_code == 404
        assert (await http.get(path, headers=group.auth("home_manager"))).status_code == 404
    foreign = await command(
        http, other_group, complaint, "acknowledge", {"acknowledged_at": "2026-08-28T09:00:00Z"}
    )
    assert foreign.status_code == 404
    assert foreign.headers["content-type"].startswith("application/problem+json")
    listed = await http.get("/complaints", params={"limit": 200}, headers=other_group.auth())
    assert complaint not in [item["id"] for item in listed.json()["items"]]
