"""Alerts over HTTP against the real database: the detectors' sweep (run in-process here; the
worker-process path is tests/e2e/test_alerts_workers.py) raises exactly one open alert per
condition, however often it runs; acknowledge, escalate and resolve are events."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest_asyncio

from projections import PROJECTIONS, Runner
from services.kernel.handling import Records
from tests.e2e.alert_scenarios import Scenarios
from tests.e2e.conftest import Group, LiveApi, make_group
from workers.alert_reconcile import Tally, detect_for_tenant, escalate_for_tenant

PROBLEM_JSON = "application/problem+json"
FIVE_KINDS = (
    "overdue_action",
    "statutory_deadline",
    "recurring_incident",
    "systemic_failure",
    "complaint_deadline",
)


async def sweep(records: Records, tenant_id: UUID, now: datetime | None = None) -> Tally:
    runner = Runner(records.store, PROJECTIONS)
    await runner.catch_up(tenant_id)
    return await detect_for_tenant(records, runner, tenant_id, now)


def later(records: Records, hours: float) -> Records:
    """The same command path with its clock `hours` ahead (as if the sweep ran then)."""
    return dataclasses.replace(records, clock=lambda: datetime.now(UTC) + timedelta(hours=hours))


async def alerts(
    http: httpx.AsyncClient, group: Group, role: str = "group_admin", **params: Any
) -> list[dict[str, Any]]:
    response = await http.get("/alerts", params=params, headers=group.auth(role))
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


@pytest_asyncio.fixture(loop_scope="session")
async def five(
    http: httpx.AsyncClient, records: Records, live_api: LiveApi
) -> tuple[Group, dict[str, Any]]:
    """A group of three homes with the five conditions of the issue, swept once."""
    group = await make_group(http, records, live_api, "Alerting Care")
    made = Scenarios(http, group)
    await made.third_home()
    found = {
        "overdue_action": await made.overdue_action(),
        "statutory_deadline": await made.death_not_notified(),
        "recurring_incident": await made.three_falls(),
        "systemic_failure": await made.medication_failed_in_three_homes(),
        "complaint_deadline": await made.late_complaint(),
    }
    tally = await sweep(records, group.tenant_id)
    assert tally.raised >= 5
    return group, found


async def test_each_condition_yields_exactly_one_open_alert_of_its_kind(
    http: httpx.AsyncClient, five: tuple[Group, dict[str, Any]]
) -> None:
    group, made = five
    for kind in FIVE_KINDS:
        items = await alerts(http, group, kind=kind, status="open")
        assert len(items) == 1, (kind, items)
        alert = (
            await http.get(items[0]["url"].removeprefix("/api/v1"), headers=group.auth())
        ).json()
        behind = {r["id"] for r in alert["record"]["records"]}
        expected = made[kind] if isinstance(made[kind], list) else [made[kind]]
        assert behind == set(expected), kind
        assert all(
            r["url"] == f"/api/v1/{r['collection']}/{r['id']}" for r in alert["record"]["records"]
        )
    systemic = (await alerts(http, group, kind="systemic_failure"))[0]
    assert systemic["location_id"] is None and systemic["summary"]["severity"] == "high"
    assert sorted(systemic["summary"]["location_ids"]) == sorted(str(h) for h in group.homes)


async def test_sweeping_again_records_nothing(
    http: httpx.AsyncClient, records: Records, five: tuple[Group, dict[str, Any]], count_events: Any
) -> None:
    group, _ = five
    before = await count_events(group.tenant_id)
    assert not (await sweep(records, group.tenant_id)).any()
    assert not (await sweep(records, group.tenant_id)).any()
    assert await count_events(group.tenant_id) == before


async def test_read_an_alert_with_the_records_behind_it_and_its_history(
    http: httpx.AsyncClient, five: tuple[Group, dict[str, Any]]
) -> None:
    group, made = five
    [item] = await alerts(http, group, kind="systemic_failure")
    response = await http.get(f"/alerts/{item['id']}", headers=group.auth())
    assert response.status_code == 200 and response.headers["etag"] == '"1"'
    record = response.json()["record"]
    assert record["status"] == "open" and record["kind"] == "systemic_failure"
    assert {r["status"] for r in record["records"]} == {"completed"}
    assert {r["id"] for r in record["records"]} == set(made["systemic_failure"])
    history = (await http.get(f"/alerts/{item['id']}/history", headers=group.auth())).json()
    assert [h["event_type"] for h in history] == ["AlertRaised"]


async def test_acknowledge_then_resolve_by_hand_and_the_condition_must_clear_first(
    http: httpx.AsyncClient, records: Records, live_api: LiveApi, count_events: Any
) -> None:
    group = await make_group(http, records, live_api, "Acknowledging Care")
    made = Scenarios(http, group)
    action = await made.overdue_action()
    await sweep(records, group.tenant_id)
    [item] = await alerts(http, group, kind="overdue_action")
    path = f"/alerts/{item['id']}"

    acked = await http.post(
        f"{path}/acknowledge", json={"note": "on it"}, headers=group.auth("home_manager")
    )
    assert acked.status_code == 200, acked.text
    body = acked.json()["record"]
    assert body["status"] == "acknowledged"
    assert body["acknowledged_by"] == str(group.users["home_manager"])
    again = await http.post(f"{path}/acknowledge", headers=group.auth())
    assert again.status_code == 409

    before = await count_events(group.tenant_id)
    no_note = await http.post(f"{path}/resolve", json={"note": ""}, headers=group.auth())
    assert no_note.status_code == 400 and no_note.headers["content-type"].startswith(PROBLEM_JSON)
    assert "note" in {e["field"] for e in no_note.json()["errors"]}
    staff = await http.post(f"{path}/resolve", json={"note": "x"}, headers=group.auth("staff"))
    assert staff.status_code == 403
    stale = await http.post(
        f"{path}/resolve", json={"note": "x"}, headers={**group.auth(), "If-Match": '"1"'}
    )
    assert stale.status_code == 412
    assert await count_events(group.tenant_id) == before

    resolved = await http.post(
        f"{path}/resolve", json={"note": "agreed new date with the owner"}, headers=group.auth()
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["record"]["resolved_automatically"] is False

    # Still overdue: resolved by hand, it is not raised again until the condition clears.
    assert not (await sweep(records, group.tenant_id)).raised
    await made.post(
        f"/actions/{action}/complete", {"evidence": "new unit fitted"}, role="home_manager"
    )
    assert (await sweep(records, group.tenant_id)).cleared == 1
    await made.post(f"/actions/{action}/reopen", {"reason": "bell failed again"})
    assert (await sweep(records, group.tenant_id)).raised == 1
    record = (await http.get(path, headers=group.auth())).json()["record"]
    assert (record["status"], record["occurrence"]) == ("open", 2)
    # The condition clears: resolved automatically.
    await made.post(f"/actions/{action}/complete", {"evidence": "replaced"}, role="home_manager")
    assert (await sweep(records, group.tenant_id)).resolved == 1
    record = (await http.get(path, headers=group.auth())).json()["record"]
    assert (record["status"], record["resolved_automatically"]) == ("resolved", True)
    assert await alerts(http, group, status="open") == []


async def test_unacknowledged_alerts_escalate_to_the_quality_lead_after_the_setting(
    http: httpx.AsyncClient, records: Records, live_api: LiveApi
) -> None:
    group = await make_group(http, records, live_api, "Escalating Care")
    await Scenarios(http, group).overdue_action()
    await sweep(records, group.tenant_id)
    assert await escalate_for_tenant(later(records, hours=47), group.tenant_id) == 0
    assert await escalate_for_tenant(later(records, hours=49), group.tenant_id) == 1
    assert await escalate_for_tenant(later(records, hours=50), group.tenant_id) == 0
    [item] = await alerts(http, group, status="escalated")
    record = (await http.get(f"/alerts/{item['id']}", headers=group.auth())).json()["record"]
    assert record["escalated_to"] == [str(group.users["quality_lead"])]


async def test_scope_isolation_and_bad_queries(
    http: httpx.AsyncClient, five: tuple[Group, dict[str, Any]], other_group: Group
) -> None:
    group, _ = five
    home0, home1 = str(group.homes[0]), str(group.homes[1])
    mine = await alerts(http, group, role="home_manager")
    assert mine and all(
        a["location_id"] == home0 or home0 in a["summary"]["location_ids"] for a in mine
    )
    falls = (await alerts(http, group, kind="recurring_incident"))[0]
    assert falls["location_id"] == home1
    hidden = await http.get(f"/alerts/{falls['id']}", headers=group.auth("home_manager"))
    assert hidden.status_code == 404
    foreign = await http.get(f"/alerts/{falls['id']}", headers=other_group.auth())
    assert foreign.status_code == 404
    assert await alerts(http, other_group) == []
    by_home = await alerts(http, group, location_id=home1)
    assert {a["summary"]["kind"] for a in by_home} >= {"recurring_incident", "systemic_failure"}
    bad = await http.get("/alerts", params={"kind": "nonsense"}, headers=group.auth())
    assert bad.status_code == 400 and bad.headers["content-type"].startswith(PROBLEM_JSON)
    unauthenticated = await http.get("/alerts")
    assert unauthenticated.status_code == 401


async def test_dashboards_count_each_homes_open_alerts_with_their_ids(
    http: httpx.AsyncClient, five: tuple[Group, dict[str, Any]]
) -> None:
    group, _ = five
    home = str(group.homes[0])
    listed = {
        a["id"] for a in await alerts(http, group, location_id=home) if a["status"] != "resolved"
    }
    dashboard = await http.get(f"/locations/{home}/dashboard", headers=group.auth())
    assert dashboard.status_code == 200, dashboard.text
    figure = dashboard.json()["alerts"]
    assert figure["available"] is True
    assert set(figure["ids"]) == listed and figure["open"] == len(listed) >= 4
    overview = (await http.get("/group/overview", headers=group.auth())).json()
    by_home = {h["location_id"]: h["open_alerts"] for h in overview["homes"]}
    assert set(by_home[home]["ids"]) == listed
    systemic = (await alerts(http, group, kind="systemic_failure"))[0]["id"]
    assert all(systemic in by_home[str(h)]["ids"] for h in group.homes)


async def test_a_homes_timeline_links_its_alert_events_to_the_alerts(
    http: httpx.AsyncClient, five: tuple[Group, dict[str, Any]]
) -> None:
    group, _ = five
    [item] = await alerts(http, group, kind="overdue_action")
    timeline = await http.get(f"/locations/{group.homes[0]}/timeline", headers=group.auth())
    assert timeline.status_code == 200, timeline.text
    raised = [e for e in timeline.json()["entries"] if e["event_type"] == "AlertRaised"]
    assert f"/api/v1/alerts/{item['id']}" in {e["link"] for e in raised}
    assert {e["collection"] for e in raised} == {"alerts"}
