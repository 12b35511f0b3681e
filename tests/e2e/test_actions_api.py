"""The action plan over real HTTP: create, every command, versions, history, lists and refusals."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import httpx

from tests.e2e.conftest import Group

STATEMENT = "safe.medicines-optimisation"
PROBLEM_JSON = "application/problem+json"


def action_body(group: Group, **changes: Any) -> dict[str, Any]:
    body = {
        "location_id": str(group.homes[0]),
        "title": "Fix MAR chart gaps",
        "description": "Night staff sign MAR charts at each medication round",
        "success_measure": "No MAR gaps at the next two medication audits",
        "owner_id": str(group.users["staff"]),
        "due_date": "2025-03-31",
        "priority": "high",
        "source": {"kind": "audit_finding", "id": "audit-17:medication.mar-signed"},
        "quality_statements": [STATEMENT],
    }
    return {k: v for k, v in {**body, **changes}.items() if v is not None}


@dataclass
class Plan:
    """One provider group's action plan, called as one of its users."""

    http: httpx.AsyncClient
    group: Group

    def user(self, role: str) -> str:
        return str(self.group.users[role])

    async def post(self, body: dict[str, Any], role: str = "home_manager", **headers: str) -> Any:
        auth = {**self.group.auth(role), **headers}
        return await self.http.post("/actions", json=body, headers=auth)

    async def create(self, role: str = "home_manager", **changes: Any) -> dict[str, Any]:
        response = await self.post(action_body(self.group, **changes), role)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def run(
        self, action: str, name: str, body: Any = None, role: str = "home_manager", **headers: str
    ) -> httpx.Response:
        auth = {**self.group.auth(role), **headers}
        return await self.http.post(f"/actions/{action}/{name}", json=body, headers=auth)

    async def get(self, path: str = "", role: str = "group_admin", **params: Any) -> httpx.Response:
        return await self.http.get(f"/actions{path}", params=params, headers=self.group.auth(role))


async def test_create_answers_201_with_location_etag_and_the_next_reference(
    http: httpx.AsyncClient, fresh_group: Group
) -> None:
    plan = Plan(http, fresh_group)
    first = await plan.post(action_body(fresh_group))
    second = await plan.create(title="Replace the drugs fridge thermometer")

    assert first.status_code == 201, first.text
    body = first.json()
    assert first.headers["location"] == f"/api/v1/actions/{body['id']}"
    assert first.headers["etag"] == '"1"' and body["version"] == 1
    record = body["record"]
    assert re.fullmatch(r"ACT-\d{6}", record["reference"])
    assert (record["reference"], second["record"]["reference"]) == ("ACT-000001", "ACT-000002")
    assert record["status"] == "open" and record["owner_id"] == plan.user("staff")
    assert record["quality_statements"] == [STATEMENT] and record["framework"] == "cqc-saf-2024"
    assert record["raised_by"] == plan.user("home_manager")
    read = await plan.get(f"/{body['id']}")
    assert read.status_code == 200 and read.headers["etag"] == '"1"'
    assert read.json()["record"] == record


async def test_an_action_goes_through_its_whole_life(http: httpx.AsyncClient, group: Group) -> None:
    plan = Plan(http, group)
    action = (await plan.create(due_date="2024-01-15"))["id"]  # agreed at a past meeting
    steps: list[tuple[str, Any, str, str]] = [
        ("note", {"text": "Spoke to the pharmacy"}, "staff", "in_progress"),
        (
            "redate",
            {"due_date": "2025-04-30", "reason": "Training moved"},
            "home_manager",
            "in_progress",
        ),
        ("assign", {"owner_id": plan.user("home_manager")}, "group_admin", "in_progress"),
        ("complete", {"evidence": "Audit 12: no gaps"}, "home_manager", "completed"),
        ("verify", {"note": "MAR charts checked"}, "quality_lead", "verified"),
        ("reopen", {"reason": "Gaps found again"}, "quality_lead", "open"),
        ("start", None, "home_manager", "in_progress"),
        ("cancel", {"reason": "Replaced by ACT-000900"}, "home_manager", "cancelled"),
    ]
    for version, (name, body, role, status) in enumerate(steps, start=2):
        response = await plan.run(action, name, body, role)
        assert response.status_code == 200, (name, response.text)
        assert response.json()["version"] == version
        assert response.headers["etag"] == f'"{version}"'
        assert response.json()["record"]["status"] == status, name
    record = response.json()["record"]
    assert [(n["text"], n["noted_by"]) for n in record["notes"]] == [
        ("Spoke to the pharmacy", plan.user("staff"))
    ]
    assert record["due_date"] == "2025-04-30"
    assert record["due_date_changes"][0]["previous_due_date"] == "2024-01-15"
    assert record["owner_id"] == plan.user("home_manager")
    assert record["cancellation_reason"] == "Replaced by ACT-000900"


async def test_a_draft_is_opened_before_it_joins_the_plan(
    http: httpx.AsyncClient, group: Group
) -> None:
    plan = Plan(http, group)
    draft = await plan.create(draft=True)
    assert draft["record"]["status"] == "draft"

    started = await plan.run(draft["id"], "start")
    opened = await plan.run(draft["id"], "open")

    assert started.status_code == 409 and started.headers["content-type"].startswith(PROBLEM_JSON)
    assert opened.status_code == 200 and opened.json()["record"]["status"] == "open"


async def test_refused_transitions_and_owner_verification_write_nothing(
    http: httpx.AsyncClient, fresh_group: Group, count_events: Any
) -> None:
    plan = Plan(http, fresh_group)
    action = (await plan.create())["id"]
    before = await count_events(fresh_group.tenant_id)

    verify_open = await plan.run(action, "verify", {}, "quality_lead")
    completed = await plan.run(action, "complete", {"evidence": "Done"}, "staff")
    by_owner = await plan.run(action, "verify", {"note": "fine"}, "staff")
    cancel_done = await plan.run(action, "cancel", {"reason": "no longer needed"})

    assert verify_open.status_code == 409, verify_open.text
    assert completed.status_code == 200, completed.text
    # Staff never verify (the role matrix); that an owner cannot is tested in the decider.
    assert by_owner.status_code == 403
    assert cancel_done.status_code == 409
    assert await count_events(fresh_group.tenant_id) == before + 1


async def test_as_of_reads_the_action_as_it_stood(http: httpx.AsyncClient, group: Group) -> None:
    plan = Plan(http, group)
    action = (await plan.create())["id"]
    await plan.run(action, "redate", {"due_date": "2025-05-01", "reason": "Supplier delay"})
    history = (await plan.get(f"/{action}/history")).json()

    earlier = await plan.get(f"/{action}", as_of=history[0]["recorded_at"])
    now = await plan.get(f"/{action}")

    assert earlier.status_code == 200, earlier.text
    assert earlier.json()["version"] == 1 and earlier.json()["record"]["due_date"] == "2025-03-31"
    assert now.json()["version"] == 2 and now.json()["record"]["due_date"] == "2025-05-01"


async def test_history_lists_every_version_with_actor_and_changes(
    http: httpx.AsyncClient, group: Group
) -> None:
    plan = Plan(http, group)
    action = (await plan.create())["id"]
    await plan.run(action, "assign", {"owner_id": plan.user("quality_lead")}, "group_admin")
    await plan.run(action, "redate", {"due_date": "2025-06-30", "reason": "Awaiting training"})

    history = (await plan.get(f"/{action}/history", role="quality_lead")).json()

    assert [(h["version"], h["event_type"], h["actor"]) for h in history] == [
        (1, "ActionRaised", plan.user("home_manager")),
        (2, "ActionReassigned", plan.user("group_admin")),
        (3, "ActionRedated", plan.user("home_manager")),
    ]
    owner_change = {"old": plan.user("staff"), "new": plan.user("quality_lead")}
    assert history[1]["changes"] == {"owner_id": owner_change}
    assert history[2]["changes"]["due_date"] == {"old": "2025-03-31", "new": "2025-06-30"}
    assert history[2]["changes"]["due_date_changes"]["new"][0]["reason"] == "Awaiting training"


async def test_a_stale_if_match_is_412_and_writes_nothing(
    http: httpx.AsyncClient, fresh_group: Group, count_events: Any
) -> None:
    plan = Plan(http, fresh_group)
    action = (await plan.create())["id"]
    await plan.run(action, "start")
    before = await count_events(fresh_group.tenant_id)

    stale = await plan.run(action, "note", {"text": "late"}, **{"If-Match": '"1"'})
    current = await plan.run(action, "note", {"text": "on time"}, **{"If-Match": '"2"'})

    assert stale.status_code == 412 and stale.json()["current_version"] == 2
    assert current.status_code == 200 and current.json()["version"] == 3
    assert await count_events(fresh_group.tenant_id) == before + 1


async def test_a_repeated_idempotency_key_replays_the_first_answer(
    http: httpx.AsyncClient, fresh_group: Group, count_events: Any
) -> None:
    plan = Plan(http, fresh_group)
    key = {"Idempotency-Key": f"action-{uuid4()}"}
    before = await count_events(fresh_group.tenant_id)

    first = await plan.post(action_body(fresh_group), **key)
    again = await plan.post(action_body(fresh_group), **key)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert await count_events(fresh_group.tenant_id) == before + 1
    listed = (await plan.get()).json()["items"]
    assert [item["id"] for item in listed] == [first.json()["id"]]


def assert_problem(response: httpx.Response, field: str) -> None:
    """A 4xx problem+json naming the field (Litestar names an unknown one in the message)."""
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    problem = response.json()
    assert problem["status"] == response.status_code
    assert any(field in e["field"] + e["message"] for e in problem["errors"]), problem


async def test_bad_inputs_are_refused_as_problems_and_nothing_is_written(
    http: httpx.AsyncClient, fresh_group: Group, other_group: Group, count_events: Any
) -> None:
    plan = Plan(http, fresh_group)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"title": None}, "title"),
        ({"priority": 3}, "priority"),
        ({"priority": "whenever"}, "priority"),
        ({"title": "x" * 201}, "title"),
        ({"due_date": "31/03/2025"}, "due_date"),
        ({"due_date": "2025-02-30"}, "due_date"),
        ({"owner_id": str(uuid4())}, "owner_id"),
        ({"owner_id": str(other_group.users["staff"])}, "owner_id"),
        ({"location_id": str(uuid4())}, "location_id"),
        ({"location_id": str(other_group.homes[0])}, "location_id"),
        ({"quality_statements": ["safe.flying"]}, "quality_statements"),
        ({"source": {"kind": "rumour", "id": "x"}}, "source"),
        ({"title": "   "}, "title"),
        ({"colour": "red"}, "colour"),
    ]
    before = await count_events(fresh_group.tenant_id)
    for changes, field in cases:
        response = await plan.post(action_body(fresh_group, **changes), role="group_admin")
        assert_problem(response, field)
    scoped = await plan.post(action_body(fresh_group, location_id=str(fresh_group.homes[1])))
    assert_problem(scoped, "location_id")  # the home manager's token covers home 0 only
    assert await count_events(fresh_group.tenant_id) == before
    assert (await plan.get()).json()["items"] == []


async def test_bad_command_bodies_are_refused_and_nothing_is_written(
    http: httpx.AsyncClient, fresh_group: Group, other_group: Group, count_events: Any
) -> None:
    plan = Plan(http, fresh_group)
    action = (await plan.create())["id"]
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("redate", {"due_date": "2025-07-01"}, "reason"),
        ("redate", {"due_date": "2025-07-01", "reason": " "}, "reason"),
        ("redate", {"due_date": "soon", "reason": "x"}, "due_date"),
        ("assign", {"owner_id": str(other_group.users["staff"])}, "owner_id"),
        ("assign", {"owner_id": "not-a-uuid"}, "owner_id"),
        ("assign", {"owner_id": plan.user("staff")}, "owner_id"),
        ("complete", {}, "evidence"),
        ("cancel", {"reason": ""}, "reason"),
        ("note", {"text": "x" * 4001}, "text"),
    ]
    before = await count_events(fresh_group.tenant_id)
    for name, body, field in cases:
        assert_problem(await plan.run(action, name, body), field)
    assert await count_events(fresh_group.tenant_id) == before


async def test_lists_filter_by_home_and_status_and_page_with_a_cursor(
    http: httpx.AsyncClient, fresh_group: Group
) -> None:
    plan = Plan(http, fresh_group)
    oak = [(await plan.create("group_admin", title=f"Oak {n}"))["id"] for n in range(3)]
    willow = (await plan.create("group_admin", location_id=str(fresh_group.homes[1])))["id"]
    await plan.run(oak[1], "start")

    async def ids(**params: Any) -> list[str]:
        page = await plan.get(**params)
        assert page.status_code == 200, page.text
        return [item["id"] for item in page.json()["items"]]

    assert await ids(location_id=str(fresh_group.homes[1])) == [willow]
    assert await ids(status="in_progress") == [oak[1]]
    assert await ids(location_id=str(fresh_group.homes[0]), status="open") == [oak[0], oak[2]]
    first = (await plan.get(limit=2)).json()
    rest = (await plan.get(limit=2, cursor=first["next_cursor"])).json()
    assert [i["id"] for i in first["items"] + rest["items"]] == [*oak, willow]
    assert rest["next_cursor"] is None
    item = first["items"][0]
    assert item["key_date"].startswith("2025-03-31T00:00:00") and item["reference"] == "ACT-000001"
    assert item["summary"] == {
        "title": "Oak 0",
        "priority": "high",
        "due_date": "2025-03-31",
        "owner_id": plan.user("staff"),
    }


async def test_another_tenant_gets_404_and_a_home_manager_sees_only_their_homes(
    http: httpx.AsyncClient, group: Group, other_group: Group
) -> None:
    plan, intruder = Plan(http, group), Plan(http, other_group)
    action = (await plan.create())["id"]
    elsewhere = (await plan.create("group_admin", location_id=str(group.homes[1])))["id"]

    for path in (f"/{action}", f"/{action}/history"):
        response = await intruder.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert (await intruder.run(action, "start", role="group_admin")).status_code == 404
    assert (await plan.get(f"/{elsewhere}", role="home_manager")).status_code == 404
    assert (await plan.run(elsewhere, "start")).status_code == 404
    listed = (await plan.get(role="home_manager", limit=200)).json()["items"]
    assert elsewhere not in [item["id"] for item in listed]
