"""Dashboard RAG thresholds over HTTP: a group admin changes them in /settings and the home
dashboard and group overview rate the same figures differently; bad thresholds write nothing."""

from __future__ import annotations

import httpx

from tests.e2e.conftest import Group

OVERDUE_ACTION = {
    "title": "Fix MAR chart gaps",
    "description": "Night staff sign MAR charts at each medication round",
    "success_measure": "No MAR gaps at the next two medication audits",
    "due_date": "2025-03-31",
    "priority": "high",
}


async def test_a_changed_threshold_changes_the_rag_of_dashboard_and_overview(
    http: httpx.AsyncClient, fresh_group: Group
) -> None:
    home = fresh_group.homes[0]
    body = {**OVERDUE_ACTION, "location_id": str(home), "owner_id": str(fresh_group.users["staff"])}
    raised = await http.post("/actions", json=body, headers=fresh_group.auth())
    assert raised.status_code == 201, raised.text
    action_id = raised.json()["id"]

    before = (await http.get(f"/locations/{home}/dashboard", headers=fresh_group.auth())).json()
    changed = await http.put(
        "/settings",
        json={"settings": {"dashboard.overdue_actions_red_at": 1}},
        headers=fresh_group.auth(),
    )
    assert changed.status_code == 200, changed.text
    after = (await http.get(f"/locations/{home}/dashboard", headers=fresh_group.auth())).json()
    overview = (await http.get("/group/overview", headers=fresh_group.auth())).json()

    assert before["actions"]["overdue"]["ids"] == [action_id]
    assert before["actions"]["overdue"]["rag"] == "amber"
    assert after["actions"]["overdue"]["rag"] == "red"
    assert after["thresholds"]["counts"]["overdue_actions"] == {"amber_at": 1, "red_at": 1}
    by_home = {h["location_id"]: h for h in overview["homes"]}
    assert by_home[str(home)]["overdue_actions"] == after["actions"]["overdue"]
    assert by_home[str(fresh_group.homes[1])]["overdue_actions"]["rag"] == "green"
    assert overview["thresholds"] == after["thresholds"]


async def test_thresholds_that_cannot_hold_are_refused_and_nothing_is_written(
    http: httpx.AsyncClient, fresh_group: Group, count_events: object
) -> None:
    events_before = await count_events(fresh_group.tenant_id)  # type: ignore[operator]
    cases = [
        ({"dashboard.compliance_amber_at": 0.95}, "settings.dashboard.compliance_amber_at"),
        ({"dashboard.compliance_green_at": "high"}, "settings.dashboard.compliance_green_at"),
        ({"dashboard.overdue_audits_red_at": 0}, "settings.dashboard.overdue_audits_red_at"),
        ({"dashboard.overdue_audits_red_at": -1}, "settings.dashboard.overdue_audits_red_at"),
    ]
    for settings, field in cases:
        refused = await http.put(
            "/settings", json={"settings": settings}, headers=fresh_group.auth()
        )
        assert refused.status_code == 422, (settings, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["errors"][0]["field"] == field, refused.text
    forbidden = await http.put(
        "/settings",
        json={"settings": {"dashboard.overdue_audits_red_at": 9}},
        headers=fresh_group.auth("home_manager"),
    )

    assert forbidden.status_code == 403
    assert await count_events(fresh_group.tenant_id) == events_before  # type: ignore[operator]
    current = (await http.get("/settings", headers=fresh_group.auth())).json()["settings"]
    assert current["dashboard.compliance_amber_at"] == 0.75
    assert current["dashboard.overdue_audits_red_at"] == 3
