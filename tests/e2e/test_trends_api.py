"""`GET /trends` over the demo data: figures that match the record lists, refusals as problems."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import httpx
import pytest_asyncio

from infra.demo.driver import demo_id
from infra.demo.organisations import GROUPS
from services.kernel.calendar import ENGLAND
from tests.e2e.conftest import LiveApi, demo_auth

A_NAME, B_NAME = list(GROUPS)
HOME = "Meadowbank House"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def demo(demo_seeded: LiveApi) -> dict[str, Any]:
    live_api = demo_seeded
    home = demo_id("home", A_NAME, HOME)
    return {
        "home": home,
        "their_home": demo_id("home", B_NAME, "Kirkstall Court"),
        "admin": demo_auth(live_api, A_NAME, demo_id("user", A_NAME, "admin"), ["group_admin"]),
        "manager": demo_auth(
            live_api, A_NAME, demo_id("user", A_NAME, HOME, "manager"), ["home_manager"], [home]
        ),
    }


async def _incidents_listed(http: httpx.AsyncClient, home: UUID, headers: dict) -> list[dict]:
    items: list[dict] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"location_id": str(home), "limit": 100}
        if cursor:
            params["cursor"] = cursor
        page = (await http.get("/incidents", params=params, headers=headers)).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def _england_month(moment: str) -> str:
    return datetime.fromisoformat(moment).astimezone(ENGLAND).strftime("%Y-%m")


async def test_the_incidents_series_adds_up_to_the_homes_incidents_in_the_window(
    http: httpx.AsyncClient, demo: dict
) -> None:
    response = await http.get(
        "/trends",
        params={"location_id": str(demo["home"]), "metric": "incidents", "months": 12},
        headers=demo["admin"],
    )

    assert response.status_code == 200, response.text
    trend = response.json()
    months = trend["months"]
    today = datetime.now(ENGLAND).date()
    assert len(months) == 12 and months[-1] == today.strftime("%Y-%m")
    assert [p["month"] for p in trend["points"]] == months
    listed = await _incidents_listed(http, demo["home"], demo["admin"])
    in_window = {
        i["id"] for i in listed if months[0] <= _england_month(i["key_date"]) <= months[-1]
    }
    behind = [i for p in trend["points"] for i in p["ids"]]
    assert in_window, "the demo home has incidents in the last twelve months"
    assert sum(p["count"] for p in trend["points"]) == len(in_window)
    assert set(behind) == in_window and len(behind) == len(in_window)
    for point in trend["points"]:
        assert sum(c["count"] for c in point["by_category"].values()) == point["count"]


async def test_every_metric_answers_a_point_per_month_with_the_records_behind_it(
    http: httpx.AsyncClient, demo: dict
) -> None:
    for metric in ("audit_compliance", "complaints", "action_closure_days"):
        response = await http.get(
            "/trends",
            params={"location_id": str(demo["home"]), "metric": metric, "months": 24},
            headers=demo["manager"],
        )

        assert response.status_code == 200, (metric, response.text)
        points = response.json()["points"]
        assert len(points) == 24
        assert all(p["count"] == len(p["ids"]) for p in points), metric


async def test_an_unknown_metric_is_422_and_a_bad_window_400(
    http: httpx.AsyncClient, demo: dict
) -> None:
    home = str(demo["home"])
    unknown = await http.get(
        "/trends", params={"location_id": home, "metric": "falls"}, headers=demo["admin"]
    )
    too_long = await http.get(
        "/trends",
        params={"location_id": home, "metric": "incidents", "months": 25},
        headers=demo["admin"],
    )
    no_home = await http.get("/trends", params={"metric": "incidents"}, headers=demo["admin"])

    assert unknown.status_code == 422
    assert unknown.headers["content-type"].startswith("application/problem+json")
    assert unknown.json()["errors"][0]["field"] == "metric"
    assert too_long.status_code == 400 and no_home.status_code == 400


async def test_another_groups_home_and_a_home_out_of_scope_are_404(
    http: httpx.AsyncClient, demo: dict
) -> None:
    theirs = await http.get(
        "/trends",
        params={"location_id": str(demo["their_home"]), "metric": "incidents"},
        headers=demo["admin"],
    )
    other_home = demo_id("home", A_NAME, "Rosewood Lodge")
    out_of_scope = await http.get(
        "/trends",
        params={"location_id": str(other_home), "metric": "complaints"},
        headers=demo["manager"],
    )

    assert [theirs.status_code, out_of_scope.status_code] == [404, 404]
    assert theirs.headers["content-type"].startswith("application/problem+json")
