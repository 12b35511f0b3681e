"""Tenant settings over HTTP keep their bounds: a value beyond any sane bound (an integer past
what JSON numbers hold exactly, a decimal past any double) is a 422 naming the setting, never a
500, and nothing is stored (issue 14, item 10)."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.conftest import Group

BEYOND = [
    (
        '{"settings": {"alerts.repeated_failure_audits": 9007199254740993}}',
        "alerts.repeated_failure_audits",
    ),
    (
        '{"settings": {"alerts.escalate_after_hours": 100000000000000000000}}',
        "alerts.escalate_after_hours",
    ),
    ('{"settings": {"incidents.cqc_death_hours": 721}}', "incidents.cqc_death_hours"),
    ('{"settings": {"complaints.response_working_days": 0}}', "complaints.response_working_days"),
    (
        '{"settings": {"dashboard.overdue_actions_red_at": 100001}}',
        "dashboard.overdue_actions_red_at",
    ),
]


@pytest.mark.parametrize(("body", "setting"), BEYOND)
async def test_a_setting_beyond_its_bounds_is_a_422_naming_it_and_nothing_is_stored(
    http: httpx.AsyncClient, fresh_group: Group, count_events: object, body: str, setting: str
) -> None:
    before = (await http.get("/settings", headers=fresh_group.auth())).json()
    events_before = await count_events(fresh_group.tenant_id)  # type: ignore[operator]

    refused = await http.put(
        "/settings",
        content=body,
        headers={**fresh_group.auth(), "content-type": "application/json"},
    )

    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["errors"][0]["field"] == f"settings.{setting}", refused.text
    assert "at most" in refused.json()["errors"][0]["message"] or "at least" in refused.text
    assert await count_events(fresh_group.tenant_id) == events_before  # type: ignore[operator]
    assert (await http.get("/settings", headers=fresh_group.auth())).json() == before


async def test_a_decimal_no_double_holds_is_refused_as_malformed(
    http: httpx.AsyncClient, fresh_group: Group, count_events: object
) -> None:
    events_before = await count_events(fresh_group.tenant_id)  # type: ignore[operator]
    refused = await http.put(
        "/settings",
        content='{"settings": {"dashboard.compliance_green_at": 1e400}}',
        headers={**fresh_group.auth(), "content-type": "application/json"},
    )
    assert refused.status_code == 400, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert await count_events(fresh_group.tenant_id) == events_before  # type: ignore[operator]


async def test_a_setting_at_its_bound_is_taken(http: httpx.AsyncClient, fresh_group: Group) -> None:
    changed = await http.put(
        "/settings",
        json={"settings": {"alerts.repeated_failure_audits": 100}},
        headers=fresh_group.auth(),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["settings"]["alerts.repeated_failure_audits"] == 100
