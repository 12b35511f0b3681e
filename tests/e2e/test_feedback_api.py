"""Feedback over real HTTP: "you said, we did", linked actions, history, as_of and refusals."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import httpx
import pytest

from tests.e2e.conftest import Group


def feedback_body(group: Group, **changes: Any) -> dict[str, Any]:
    body = {
        "location_id": str(group.homes[0]),
        "kind": "survey_response",
        "rating": 4,
        "source": "relative",
        "summary": "Visiting hours could be longer at weekends",
        "received_at": "2026-10-05T14:00:00+01:00",
    }
    return {**body, **changes}


async def record(http: httpx.AsyncClient, group: Group, **changes: Any) -> dict[str, Any]:
    response = await http.post(
        "/feedback", json=feedback_body(group, **changes), headers=group.auth()
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def action(http: httpx.AsyncClient, group: Group, home: int = 0) -> str:
    body = {
        "location_id": str(group.homes[home]),
        "title": "Extend weekend visiting",
        "description": "Open the visitors' lounge until 8pm at weekends",
        "success_measure": "Next survey rates visiting 4 or more",
        "priority": "medium",
        "owner_id": str(group.users["home_manager"]),
        "due_date": "2026-12-31",
    }
    response = await http.post("/actions", json=body, headers=group.auth())
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def command(
    http: httpx.AsyncClient,
    group: Group,
    item: str,
    name: str,
    body: Any = None,
    role: str = "group_admin",
) -> httpx.Response:
    return await http.post(f"/feedback/{item}/{name}", json=body, headers=group.auth(role))


def assert_problem(response: httpx.Response, field: str) -> None:
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == response.status_code
    assert any(field in error["field"] for error in problem["errors"]), problem["errors"]


async def test_recording_feedback(http: httpx.AsyncClient, group: Group) -> None:
    response = await http.post(
        "/feedback",
        headers=group.auth("staff"),
        json={
            "location_id": str(group.homes[0]),
            "kind": "compliment",
            "summary": "Thank you for the birthday party",
        },
    )

    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/api/v1/feedback/{response.json()['id']}"
    record = response.json()["record"]
    assert record["status"] == "open" and record["kind"] == "compliment"
    assert record["source"] is None and record["rating"] is None and record["received_at"]


async def test_you_said_we_did_with_history_and_as_of(
    http: httpx.AsyncClient, group: Group
) -> None:
    item = (await record(http, group))["id"]
    action_id = await action(http, group)
    steps = [
        (
            "respond",
            {
                "response": "Weekend visiting now runs until 8pm",
                "responded_at": "2026-10-12T10:00:00Z",
            },
            "responded",
        ),
        ("link-action", {"action_id": action_id}, "actioned"),
        ("close", None, "closed"),
        ("reopen", None, "actioned"),
    ]
    for version, (name, body, status) in enumerate(steps, start=2):
        response = await command(http, group, item, name, body)
        assert response.status_code == 200, (name, response.text)
        assert response.json()["version"] == version and response.headers["etag"] == f'"{version}"'
        assert response.json()["record"]["status"] == status, name

    record_now = (await http.get(f"/feedback/{item}", headers=group.auth())).json()["record"]
    assert record_now["action_ids"] == [action_id] and record_now["closed_at"] is None
    history = (await http.get(f"/feedback/{item}/history", headers=group.auth())).json()
    assert [entry["event_type"] for entry in history] == [
        "FeedbackRecorded",
        "FeedbackResponded",
        "FeedbackActionLinked",
        "FeedbackClosed",
        "FeedbackReopened",
    ]
    assert history[1]["changes"]["status"] == {"old": "open", "new": "responded"}
    as_of = await http.get(
        f"/feedback/{item}", params={"as_of": history[1]["recorded_at"]}, headers=group.auth()
    )
    assert as_of.json()["version"] == 2 and as_of.json()["record"]["action_ids"] == []


async def test_the_list_shows_kind_source_rating_and_actions(
    http: httpx.AsyncClient, group: Group
) -> None:
    item = (await record(http, group, location_id=str(group.homes[1]), rating=2))["id"]
    action_id = await action(http, group, home=1)
    await command(http, group, item, "link-action", {"action_id": action_id})

    listed = await http.get(
        "/feedback",
        headers=group.auth("quality_lead"),
        params={
            "location_id": str(group.homes[1]),
            "status": "actioned",
            "limit": 200,
            "from": "2026-10-05T00:00:00Z",
            "to": "2026-10-06T00:00:00Z",
        },
    )

    entry = next(i for i in listed.json()["items"] if i["id"] == item)
    assert entry["summary"] == {
        "kind": "survey_response",
        "source": "relative",
        "rating": 2,
        "action_ids": [action_id],
    }
    assert entry["key_date"].startswith("2026-10-05")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "grumble"}, "kind"),
        ({"source": "cat"}, "source"),
        ({"rating": 6}, "rating"),
        ({"rating": 0}, "rating"),
        ({"kind": "compliment", "rating": 5}, "rating"),
        ({"received_at": "2099-01-01T09:00:00Z"}, "received_at"),
        ({"received_at": "05/10/2026"}, "received_at"),
        ({"received_at": "2026-10-05T14:00:00"}, "received_at"),
        ({"summary": "y" * 5001}, "summary"),
        ({"summary": " "}, "summary"),
        ({"location_id": str(uuid4())}, "location_id"),
        ({"rating": "five"}, "rating"),
        ({"mood": "cheerful"}, "mood"),
    ],
)
async def test_bad_feedback_is_refused_and_nothing_is_written(
    http: httpx.AsyncClient,
    fresh_group: Group,
    count_events: Any,
    changes: dict[str, Any],
    field: str,
) -> None:
    before = await count_events(fresh_group.tenant_id)

    response = await http.post(
        "/feedback", json=feedback_body(fresh_group, **changes), headers=fresh_group.auth()
    )

    assert_problem(response, field)
    assert await count_events(fresh_group.tenant_id) == before


async def test_foreign_and_out_of_scope_homes_and_actions_are_refused(
    http: httpx.AsyncClient, fresh_group: Group, other_group: Group, count_events: Any
) -> None:
    item = (await record(http, fresh_group))["id"]
    foreign_action = await action(http, other_group)
    other_home_action = await action(http, fresh_group, home=1)
    before = await count_events(fresh_group.tenant_id)

    foreign_home = await http.post(
        "/feedback",
        headers=fresh_group.auth(),
        json=feedback_body(fresh_group, location_id=str(other_group.homes[0])),
    )
    out_of_scope = await http.post(
        "/feedback",
        headers=fresh_group.auth("home_manager"),
        json=feedback_body(fresh_group, location_id=str(fresh_group.homes[1])),
    )
    foreign = await command(http, fresh_group, item, "link-action", {"action_id": foreign_action})
    unseen = await command(
        http,
        fresh_group,
        item,
        "link-action",
        {"action_id": other_home_action},
        role="home_manager",
    )

    assert_problem(foreign_home, "location_id")
    assert_problem(out_of_scope, "location_id")
    assert_problem(foreign, "action_id")
    assert_problem(unseen, "action_id")
    assert await count_events(fresh_group.tenant_id) == before


async def test_bad_commands_are_refused_and_nothing_is_written(
    http: httpx.AsyncClient, fresh_group: Group, count_events: Any
) -> None:
    item = (await record(http, fresh_group))["id"]
    action_id = await action(http, fresh_group)
    assert (
        await command(http, fresh_group, item, "link-action", {"action_id": action_id})
    ).status_code == 200
    before = await count_events(fresh_group.tenant_id)
    cases = [
        (
            "respond",
            {"response": "Done", "responded_at": "2099-01-01T00:00:00Z"},
            "responded_at",
            422,
        ),
        (
            "respond",
            {"response": "Done", "responded_at": "2026-10-01T00:00:00Z"},
            "responded_at",
            422,
        ),
        (
            "respond",
            {"response": "Done", "responded_at": "2026-10-40T00:00:00Z"},
            "responded_at",
            400,
        ),
        (
            "respond",
            {"response": "z" * 5001, "responded_at": "2026-10-12T00:00:00Z"},
            "response",
            400,
        ),
        ("respond", {"responded_at": "2026-10-12T00:00:00Z"}, "response", 400),
        ("link-action", {"action_id": action_id}, "action_id", 422),
        ("link-action", {"action_id": str(uuid4())}, "action_id", 422),
        ("link-action", {"action_id": "ACT-000001"}, "action_id", 400),
    ]
    for name, body, field, status in cases:
        response = await command(http, fresh_group, item, name, body)
        assert response.status_code == status, (name, body, response.text)
        assert_problem(response, field)
    reopen = await command(http, fresh_group, item, "reopen")
    assert reopen.status_code == 409
    assert await count_events(fresh_group.tenant_id) == before


async def test_closed_feedback_refuses_changes_until_reopened(
    http: httpx.AsyncClient, group: Group
) -> None:
    item = (await record(http, group))["id"]
    assert (await command(http, group, item, "close")).status_code == 200

    responded = await command(
        http, group, item, "respond", {"response": "Noted", "responded_at": "2026-10-06T09:00:00Z"}
    )
    closed_again = await command(http, group, item, "close")

    assert responded.status_code == 409 and closed_again.status_code == 409
    assert (await command(http, group, item, "reopen")).json()["record"]["status"] == "open"


async def test_stale_if_match_is_refused(http: httpx.AsyncClient, group: Group) -> None:
    item = (await record(http, group))["id"]

    response = await http.post(
        f"/feedback/{item}/close", headers={**group.auth(), "If-Match": '"3"'}
    )

    assert response.status_code == 412 and response.json()["current_version"] == 1


async def test_other_tenants_and_other_homes_see_nothing(
    http: httpx.AsyncClient, group: Group, other_group: Group
) -> None:
    item = (await record(http, group, location_id=str(group.homes[1])))["id"]

    for path in (f"/feedback/{item}", f"/feedback/{item}/history"):
        assert (await http.get(path, headers=other_group.auth())).status_code == 404
        assert (await http.get(path, headers=group.auth("staff"))).status_code == 404
    foreign = await command(http, other_group, item, "close")
    assert foreign.status_code == 404
    assert foreign.headers["content-type"].startswith("application/problem+json")
    listed = await http.get("/feedback", params={"limit": 200}, headers=other_group.auth())
    assert item not in [entry["id"] for entry in listed.json()["items"]]
