"""The contract every record collection shares, checked for each: Idempotency-Key replays,
If-Match preconditions, and racing writers (one wins, the others get 409, nothing is lost)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Group

Body = Callable[[Group], dict[str, Any]]

# collection → (a valid create body, a command that can be repeated, its body)
CASES: dict[str, tuple[Body, str, Body]] = {
    "actions": (
        lambda g: {
            "location_id": str(g.homes[0]),
            "title": "Fix the sluice room door",
            "description": "Door does not close",
            "success_measure": "Closes every time",
            "owner_id": str(g.users["home_manager"]),
            "due_date": "2026-12-01",
            "priority": "high",
        },
        "note",
        lambda g: {"text": "Joiner booked"},
    ),
    "incidents": (
        lambda g: {
            "location_id": str(g.homes[0]),
            "category": "fall",
            "severity": "low",
            "occurred_at": "2026-11-01T03:00:00Z",
            "description": "Found on the floor, no injury",
        },
        "amend",
        lambda g: {"description": "Found on the floor at 03:00, no injury"},
    ),
    "complaints": (
        lambda g: {
            "location_id": str(g.homes[0]),
            "received_at": "2026-11-02T10:00:00Z",
            "channel": "email",
            "summary": "Laundry mixed up",
        },
        "extend",
        lambda g: {"new_respond_by": "2027-03-01", "reason": "Agreed with the family"},
    ),
    "feedback": (
        lambda g: {
            "location_id": str(g.homes[0]),
            "kind": "suggestion",
            "summary": "More garden trips",
            "received_at": "2026-11-01T10:00:00Z",
        },
        "respond",
        lambda g: {"response": "Planned for spring", "responded_at": "2026-11-03T10:00:00Z"},
    ),
    "audit-templates": (
        lambda g: {"from_library": "medication"},
        "revise",
        lambda g: {
            "questions": [
                {
                    "text": "Are MAR charts complete?",
                    "quality_statement": "safe.medicines-optimisation",
                }
            ]
        },
    ),
    "locations": (
        lambda g: {
            "name": "Larch House",
            "service_type": "nursing",
            "local_authority": "E08000025",
        },
        "change",
        lambda g: {
            "name": "Larch House",
            "service_type": "nursing",
            "local_authority": "E08000026",
        },
    ),
}


@pytest.mark.parametrize("collection", sorted(CASES))
async def test_idempotency_key_replays_the_first_answer(
    http: httpx.AsyncClient, fresh_group: Group, count_events: Any, collection: str
) -> None:
    create, _command, _body = CASES[collection]
    headers = {**fresh_group.auth(), "Idempotency-Key": f"create-{collection}"}
    first = await http.post(f"/{collection}", json=create(fresh_group), headers=headers)
    events = await count_events(fresh_group.tenant_id)
    again = await http.post(f"/{collection}", json=create(fresh_group), headers=headers)
    other = await http.post(
        f"/{collection}", json={**create(fresh_group), "unexpected": 1}, headers=headers
    )
    fresh = await http.post(
        f"/{collection}",
        json=create(fresh_group),
        headers={**fresh_group.auth(), "Idempotency-Key": f"another-{collection}"},
    )

    assert first.status_code == 201, first.text
    assert (again.status_code, again.json()) == (201, first.json())
    assert again.headers["idempotent-replayed"] == "true"
    assert other.status_code in (400, 422)
    assert fresh.status_code == 201 and fresh.json()["id"] != first.json()["id"]
    assert await count_events(fresh_group.tenant_id) == events + (
        await _events_of(http, fresh_group, collection, fresh)
    )


async def _events_of(
    http: httpx.AsyncClient, group: Group, collection: str, created: httpx.Response
) -> int:
    history = await http.get(f"/{collection}/{created.json()['id']}/history", headers=group.auth())
    return len(history.json())


@pytest.mark.parametrize("collection", sorted(CASES))
async def test_stale_if_match_is_412_and_writes_nothing(
    http: httpx.AsyncClient, group: Group, count_events: Any, collection: str
) -> None:
    create, command, body = CASES[collection]
    created = await http.post(f"/{collection}", json=create(group), headers=group.auth())
    record = created.json()["id"]
    events = await count_events(group.tenant_id)

    stale = await http.post(
        f"/{collection}/{record}/{command}",
        json=body(group),
        headers={**group.auth(), "If-Match": '"7"'},
    )
    current = await http.post(
        f"/{collection}/{record}/{command}",
        json=body(group),
        headers={**group.auth(), "If-Match": created.headers["etag"]},
    )

    assert stale.status_code == 412, stale.text
    assert stale.json()["current_version"] == 1
    assert current.status_code == 200, current.text
    assert current.headers["etag"] == '"2"'
    assert await count_events(group.tenant_id) >= events + 1


async def test_racing_writers_one_wins_each_round_and_nothing_is_lost(
    http: httpx.AsyncClient, fresh_group: Group, count_events: Any
) -> None:
    create, _command, _body = CASES["actions"]
    action = (
        await http.post("/actions", json=create(fresh_group), headers=fresh_group.auth())
    ).json()["id"]
    before = await count_events(fresh_group.tenant_id)

    responses: list[httpx.Response] = []
    for _round in range(5):  # rounds of simultaneous writers until two of them collide
        responses += await asyncio.gather(
            *(
                http.post(
                    f"/actions/{action}/note",
                    json={"text": f"note {n}"},
                    headers=fresh_group.auth(),
                )
                for n in range(12)
            )
        )
        if any(r.status_code == 409 for r in responses):
            break

    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {200, 409}, statuses
    assert 409 in statuses, "rounds of twelve simultaneous writers never collided"
    won = statuses.count(200)
    final = (await http.get(f"/actions/{action}", headers=fresh_group.auth())).json()
    assert final["version"] == 1 + won
    assert len(final["record"]["notes"]) == won
    assert await count_events(fresh_group.tenant_id) == before + won
    conflict = next(r for r in responses if r.status_code == 409)
    assert conflict.headers["content-type"].startswith("application/problem+json")
