"""Complaints over real HTTP: bad bodies, foreign homes and wrong states are refused, unwritten."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import httpx
import pytest

from tests.e2e.conftest import Group
from tests.e2e.test_complaints_api import assert_problem, command, complaint_body, receive


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"channel": "carrier_pigeon"}, "channel"),
        ({"received_at": "2099-01-01T09:00:00Z"}, "received_at"),
        ({"received_at": "2026-13-01T09:00:00Z"}, "received_at"),
        ({"received_at": "2026-08-27T09:00:00"}, "received_at"),
        ({"summary": "x" * 5001}, "summary"),
        ({"summary": ""}, "summary"),
        ({"summary": "   "}, "summary"),
        ({"location_id": str(uuid4())}, "location_id"),
        ({"location_id": "not-a-uuid"}, "location_id"),
        ({"complainant_id": str(uuid4())}, "complainant_id"),
        ({"about_person_id": str(uuid4())}, "about_person_id"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_bad_complaints_are_refused_and_nothing_is_written(
    http: httpx.AsyncClient,
    fresh_group: Group,
    count_events: Any,
    changes: dict[str, Any],
    field: str,
) -> None:
    before = await count_events(fresh_group.tenant_id)

    response = await http.post(
        "/complaints", json=complaint_body(fresh_group, **changes), headers=fresh_group.auth()
    )

    assert_problem(response, field)
    assert await count_events(fresh_group.tenant_id) == before


async def test_foreign_and_out_of_scope_homes_are_refused(
    http: httpx.AsyncClient, fresh_group: Group, other_group: Group, count_events: Any
) -> None:
    before = await count_events(fresh_group.tenant_id)

    foreign = await http.post(
        "/complaints",
        json=complaint_body(fresh_group, location_id=str(other_group.homes[0])),
        headers=fresh_group.auth(),
    )
    out_of_scope = await http.post(
        "/complaints",
        json=complaint_body(fresh_group, location_id=str(fresh_group.homes[1])),
        headers=fresh_group.auth("home_manager"),  # scoped to home 0 (staff may not log complaints)
    )

    assert foreign.status_code == 422 and out_of_scope.status_code == 422
    assert_problem(foreign, "location_id")
    assert_problem(out_of_scope, "location_id")
    assert await count_events(fresh_group.tenant_id) == before


async def test_bad_commands_are_refused_and_nothing_is_written(
    http: httpx.AsyncClient, fresh_group: Group, count_events: Any
) -> None:
    complaint = (await receive(http, fresh_group, location_id=str(fresh_group.homes[1])))["id"]
    before = await count_events(fresh_group.tenant_id)
    cases = [
        ("acknowledge", {"acknowledged_at": "2099-01-01T00:00:00Z"}, "acknowledged_at", 422),
        ("acknowledge", {"acknowledged_at": "2026-08-26T09:00:00Z"}, "acknowledged_at", 422),
        ("acknowledge", {"acknowledged_at": "yesterday"}, "acknowledged_at", 400),
        ("acknowledge", {}, "acknowledged_at", 400),
        ("investigate", {"investigator_id": str(uuid4())}, "investigator_id", 422),
        (
            "respond",
            {"outcome": "sort_of", "responded_at": "2026-09-01T09:00:00Z", "summary": "x"},
            "outcome",
            400,
        ),
        ("extend", {"new_respond_by": "2026-02-30", "reason": "x"}, "new_respond_by", 400),
        ("extend", {"new_respond_by": "2026-09-01", "reason": "x"}, "new_respond_by", 422),
        ("extend", {"new_respond_by": "2026-10-30", "reason": "x" * 2001}, "reason", 400),
        ("escalate", {"to": "cqc", "escalated_at": "2026-10-01T09:00:00Z"}, "to", 400),
        ("reopen", {}, "reason", 400),
    ]
    for name, body, field, status in cases:
        response = await command(http, fresh_group, complaint, name, body)
        assert response.status_code == status, (name, body, response.text)
        assert_problem(response, field)
    await command(
        http, fresh_group, complaint, "acknowledge", {"acknowledged_at": "2026-08-28T09:00:00Z"}
    )
    # staff work only at home 0: they cannot investigate a complaint about home 1
    staff = await command(
        http,
        fresh_group,
        complaint,
        "investigate",
        {"investigator_id": str(fresh_group.users["staff"])},
    )
    assert_problem(staff, "investigator_id")
    after_acknowledgement = await count_events(fresh_group.tenant_id)
    assert after_acknowledgement == before + 1
    again = await command(
        http, fresh_group, complaint, "acknowledge", {"acknowledged_at": "2026-08-28T09:00:00Z"}
    )
    close = await command(http, fresh_group, complaint, "close", {})
    assert again.status_code == 409 and close.status_code == 409
    assert await count_events(fresh_group.tenant_id) == after_acknowledgement
