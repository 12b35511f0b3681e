"""The home dashboard and group overview over the demo data, checked against figures computed
here independently: actions from the records API lists, incidents from the events table."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from uuid import UUID

import asyncpg
import httpx
import jsonschema_rs
import pytest_asyncio

from infra.database import asyncpg_dsn
from infra.demo.driver import demo_id
from infra.demo.organisations import GROUPS
from services.kernel.calendar import ENGLAND, today_in_england
from services.views.figures import last_twelve_months
from tests.e2e.conftest import LiveApi, demo_auth

A_NAME, B_NAME = list(GROUPS)
#: Where the demo puts the death nobody notified (infra/demo/incidents.py: group 0, home 3).
UNNOTIFIED_HOME = GROUPS[A_NAME][1][3][0]
NOTIFIED_HOME = GROUPS[A_NAME][1][0][0]


def home_id(name: str, group: str = A_NAME) -> UUID:
    return demo_id("home", group, name)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def seeded(demo_seeded: LiveApi) -> dict[str, dict]:
    live_api = demo_seeded
    admin = {
        n: demo_auth(live_api, n, demo_id("user", n, "admin"), ["group_admin"]) for n in GROUPS
    }
    home = home_id(UNNOTIFIED_HOME)
    manager = demo_id("user", A_NAME, UNNOTIFIED_HOME, "manager")
    return {**admin, "manager": demo_auth(live_api, A_NAME, manager, ["home_manager"], [home])}


async def listed(http: httpx.AsyncClient, path: str, params: dict, headers: dict) -> list[dict]:
    items, cursor = [], None
    while True:
        page = await http.get(
            path,
            params={**params, "limit": 200, **({"cursor": cursor} if cursor else {})},
            headers=headers,
        )
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        if not (cursor := page.json()["next_cursor"]):
            return items


async def incidents_by_category(live_api: LiveApi, home: UUID, today: date) -> Counter[str]:
    """From the events table as superuser: each incident's latest category, if it occurred in
    the last twelve calendar months."""
    conn = await asyncpg.connect(asyncpg_dsn(live_api.database.superuser))
    try:
        rows = await conn.fetch(
            "SELECT stream_id, event_type, data->>'category' AS category,"
            " data->>'occurred_at' AS occurred_at FROM events WHERE location_id = $1"
            " AND event_type IN ('IncidentReported', 'IncidentAmended') ORDER BY seq",
            home,
        )
    finally:
        await conn.close()
    category, occurred = {}, {}
    for row in rows:
        category[row["stream_id"]] = row["category"]
        if row["event_type"] == "IncidentReported":
            occurred[row["stream_id"]] = datetime.fromisoformat(row["occurred_at"])
    months = last_twelve_months(today)
    return Counter(
        category[i]
        for i, at in occurred.items()
        if at.astimezone(ENGLAND).strftime("%Y-%m") in months
    )


async def test_a_demo_homes_dashboard_matches_the_records_and_the_event_log(
    http: httpx.AsyncClient, live_api: LiveApi, seeded: dict
) -> None:
    home = home_id(UNNOTIFIED_HOME)
    response = await http.get(f"/locations/{home}/dashboard", headers=seeded[A_NAME])
    assert response.status_code == 200, response.text
    dashboard = response.json()
    today = today_in_england()

    live = [
        a
        for status in ("open", "in_progress")
        for a in await listed(
            http, "/actions", {"location_id": str(home), "status": status}, seeded[A_NAME]
        )
    ]
    assert dashboard["actions"]["open"]["ids"] == sorted(a["id"] for a in live)
    overdue = [a["id"] for a in live if date.fromisoformat(a["summary"]["due_date"]) < today]
    assert dashboard["actions"]["overdue"]["ids"] == sorted(overdue)
    assert overdue, "the demo puts an overdue action at every home: this would prove nothing"

    expected = await incidents_by_category(live_api, home, today)
    got = {c: f["total"]["count"] for c, f in dashboard["incidents"]["by_category"].items()}
    assert got == dict(expected)

    death = str(demo_id("incident", home, "death"))
    notifiable = {i["incident_id"]: i for i in dashboard["notifiable_incidents"]["incidents"]}
    assert notifiable[death]["notified"] is False
    assert notifiable[death]["notified_in_time"] is False
    assert death in dashboard["notifiable_incidents"]["overdue"]["ids"]
    alerts = dashboard["alerts"]
    assert alerts["available"] is True and alerts["open"] == len(alerts["ids"])


async def test_the_notified_death_shows_as_notified_in_time(
    http: httpx.AsyncClient, seeded: dict
) -> None:
    home = home_id(NOTIFIED_HOME)
    dashboard = (await http.get(f"/locations/{home}/dashboard", headers=seeded[A_NAME])).json()
    death = str(demo_id("incident", home, "death"))
    notifiable = {i["incident_id"]: i for i in dashboard["notifiable_incidents"]["incidents"]}
    assert notifiable[death]["notified_in_time"] is True
    assert dashboard["notifiable_incidents"]["not_notified"]["count"] == 0


async def test_a_home_manager_sees_only_their_own_homes_dashboard(
    http: httpx.AsyncClient, seeded: dict
) -> None:
    own = await http.get(
        f"/locations/{home_id(UNNOTIFIED_HOME)}/dashboard", headers=seeded["manager"]
    )
    other = await http.get(
        f"/locations/{home_id(NOTIFIED_HOME)}/dashboard", headers=seeded["manager"]
    )
    assert own.status_code == 200
    assert other.status_code == 404, other.text
    overview = await http.get("/group/overview", headers=seeded["manager"])
    assert [h["location_id"] for h in overview.json()["homes"]] == [str(home_id(UNNOTIFIED_HOME))]


async def test_another_groups_admin_gets_404_for_a_home(
    http: httpx.AsyncClient, seeded: dict
) -> None:
    response = await http.get(
        f"/locations/{home_id(UNNOTIFIED_HOME)}/dashboard", headers=seeded[B_NAME]
    )
    assert response.status_code == 404
    assert str(home_id(UNNOTIFIED_HOME)) not in response.text.replace(
        f"record {home_id(UNNOTIFIED_HOME)}", ""
    )


async def test_the_group_overview_lists_exactly_the_groups_homes(
    http: httpx.AsyncClient, seeded: dict
) -> None:
    response = await http.get(
        "/group/overview", params={"detail": "statements"}, headers=seeded[A_NAME]
    )
    assert response.status_code == 200, response.text
    overview = response.json()
    homes = {item["id"] for item in await listed(http, "/locations", {}, seeded[A_NAME])}
    assert {h["location_id"] for h in overview["homes"]} == homes
    assert len(homes) == len(GROUPS[A_NAME][1])
    ranked = overview["ranking"]["homes"]
    assert [r["rank"] for r in ranked] == list(range(1, len(homes) + 1))
    assert [r["score"] for r in ranked] == sorted((r["score"] for r in ranked), reverse=True)
    rows = overview["heat_map"]["key_questions"]["rows"]
    assert {r["location_id"] for r in rows} == homes
    assert "safe" in overview["heat_map"]["key_questions"]["columns"]
    assert overview["heat_map"]["quality_statements"]["rows"]
    assert any(r["cells"]["safe"]["rag"] for r in rows)


def figures_with_urls(node: object, where: str = "") -> list[tuple[str, dict]]:
    """Every figure (count, ids, urls) in a response that names collection URLs, with its path."""
    if isinstance(node, dict):
        if {"count", "ids", "urls"} <= node.keys() and node["urls"]:
            return [(where, node)]
        return [f for k, v in node.items() for f in figures_with_urls(v, f"{where}.{k}")]
    if isinstance(node, list):
        return [f for i, v in enumerate(node) for f in figures_with_urls(v, f"{where}[{i}]")]
    return []


async def test_each_figures_urls_list_exactly_the_records_behind_it(
    http: httpx.AsyncClient, seeded: dict
) -> None:
    for name in (UNNOTIFIED_HOME, NOTIFIED_HOME):
        home = home_id(name)
        dashboard = (await http.get(f"/locations/{home}/dashboard", headers=seeded[A_NAME])).json()
        found = figures_with_urls(dashboard)
        assert {w for w, _ in found} >= {".actions.open", ".actions.overdue", ".complaints.open"}
        for where, figure in found:
            ids: set[str] = set()
            for url in figure["urls"]:
                path, _, query = url.removeprefix("/api/v1").partition("?")
                params = dict(p.split("=", 1) for p in query.split("&"))
                ids |= {i["id"] for i in await listed(http, path, params, seeded[A_NAME])}
            assert sorted(ids) == figure["ids"], (name, where, figure["urls"])
            assert figure["count"] == len(figure["ids"])


async def test_dashboard_and_overview_match_their_openapi_schemas(
    http: httpx.AsyncClient, live_api: LiveApi, seeded: dict
) -> None:
    spec = (await httpx.AsyncClient(base_url=live_api.base_url).get("/schema/openapi.json")).json()
    home = home_id(UNNOTIFIED_HOME)
    for path, url in (
        ("/api/v1/locations/{record_id}/dashboard", f"/locations/{home}/dashboard"),
        ("/api/v1/group/overview", "/group/overview?detail=statements"),
    ):
        schema = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        assert "$ref" in schema["schema"], schema  # a named, typed schema, not a free object
        body = (await http.get(url, headers=seeded[A_NAME])).json()
        validator = jsonschema_rs.validator_for(
            {**schema["schema"], "components": spec["components"]}
        )
        assert [str(e) for e in validator.iter_errors(body)] == [], path
        broken = {k: v for k, v in body.items() if k != "thresholds"}
        assert list(validator.iter_errors(broken)), "the schema must be able to refuse a body"
        component = schema["schema"]["$ref"].rsplit("/", 1)[1]
        assert spec["components"]["schemas"][component]["required"]
