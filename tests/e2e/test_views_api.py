"""The governance views over the demo data: timeline, action plan (now and as of), evidence."""

from __future__ import annotations

from typing import Any

import httpx
import pytest_asyncio

from infra.demo.driver import demo_id
from infra.demo.organisations import GROUPS
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


async def test_the_action_plan_as_of_before_completion_shows_the_earlier_version(
    http: httpx.AsyncClient, demo: dict
) -> None:
    action = str(demo_id("action", demo["home"], 0))
    history = (await http.get(f"/actions/{action}/history", headers=demo["admin"])).json()
    assert [h["event_type"] for h in history][2:4] == ["ActionCompleted", "ActionVerified"]
    before_completion = history[1]["recorded_at"]

    then = await http.get(
        "/action-plan",
        params={"location_id": str(demo["home"]), "as_of": before_completion},
        headers=demo["admin"],
    )
    now = await http.get(
        "/action-plan", params={"location_id": str(demo["home"])}, headers=demo["admin"]
    )

    assert then.status_code == 200, then.text
    earlier = {a["id"]: a for a in then.json()["actions"]}[action]
    assert (earlier["status"], earlier["version"]) == ("in_progress", 2)
    current = {a["id"]: a for a in now.json()["actions"]}[action]
    assert (current["status"], current["version"]) == ("verified", 4)
    assert current["link"] == f"/api/v1/actions/{action}"
    assert {"reference", "title", "owner_id", "due_date", "priority"} <= set(current)
    assert len(then.json()["actions"]) < len(now.json()["actions"])  # later actions are absent


async def test_a_home_managers_action_plan_holds_only_their_home(
    http: httpx.AsyncClient, demo: dict
) -> None:
    plan = await http.get("/action-plan", headers=demo["manager"])
    group_plan = await http.get("/action-plan", headers=demo["admin"])

    homes = {a["location_id"] for a in plan.json()["actions"]}
    assert homes == {str(demo["home"])}
    assert len({a["location_id"] for a in group_plan.json()["actions"]}) > 1


async def test_a_bad_as_of_is_400(http: httpx.AsyncClient, demo: dict) -> None:
    for bad in ("yesterday", "2026-05-01T09:00:00"):
        response = await http.get("/action-plan", params={"as_of": bad}, headers=demo["admin"])
        assert response.status_code == 400, (bad, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_the_timeline_of_a_home_is_in_seq_order_and_holds_its_records(
    http: httpx.AsyncClient, demo: dict
) -> None:
    response = await http.get(
        f"/locations/{demo['home']}/timeline", params={"limit": 1000}, headers=demo["admin"]
    )

    assert response.status_code == 200, response.text
    entries = response.json()["entries"]
    seqs = [e["seq"] for e in entries]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    action = str(demo_id("action", demo["home"], 0))
    raised = next(e for e in entries if e["record_id"] == action)
    assert raised["collection"] == "actions" and raised["event_type"] == "ActionRaised"
    assert raised["link"] == f"/api/v1/actions/{action}" and raised["actor"]
    assert raised["business_time"] is not None
    assert "data" not in raised and "personal" not in raised


async def test_the_timeline_is_bounded_by_from_and_to(http: httpx.AsyncClient, demo: dict) -> None:
    path = f"/locations/{demo['home']}/timeline"
    entries = (await http.get(path, headers=demo["admin"])).json()["entries"]
    moment = entries[len(entries) // 2]["recorded_at"]

    later = await http.get(path, params={"from": moment}, headers=demo["admin"])

    assert later.status_code == 200
    assert all(e["recorded_at"] >= moment for e in later.json()["entries"])


async def test_another_groups_home_is_404(http: httpx.AsyncClient, demo: dict) -> None:
    theirs = str(demo["their_home"])
    timeline = await http.get(f"/locations/{theirs}/timeline", headers=demo["admin"])
    plan = await http.get("/action-plan", params={"location_id": theirs}, headers=demo["admin"])
    evidence = await http.get(
        "/evidence",
        params={"location_id": theirs, "quality_statement": "safe.medicines-optimisation"},
        headers=demo["admin"],
    )
    other_home = demo_id("home", A_NAME, "Rosewood Lodge")
    out_of_scope = await http.get(f"/locations/{other_home}/timeline", headers=demo["manager"])

    assert [r.status_code for r in (timeline, plan, evidence, out_of_scope)] == [404] * 4


async def test_evidence_for_medicines_holds_the_failed_medication_audits(
    http: httpx.AsyncClient, demo: dict
) -> None:
    response = await http.get(
        "/evidence",
        params={
            "location_id": str(demo["home"]),
            "quality_statement": "safe.medicines-optimisation",
        },
        headers=demo["admin"],
    )

    assert response.status_code == 200, response.text
    categories = {c["id"]: c["items"] for c in response.json()["categories"]}
    assert set(categories) >= {"processes", "outcomes", "people-experience"}
    audits = {item["id"]: item for item in categories["processes"]}
    last_medication = audits[str(demo_id("audit", demo["home"], "medication", 1))]
    assert last_medication["failed_question_ids"], last_medication
    assert last_medication["link"].startswith("/api/v1/audits/")
    prn = str(demo_id("action", demo["home"], 3))  # "Audit PRN protocols", medicines
    assert prn in {item["id"] for item in categories["outcomes"]}


async def test_evidence_for_an_unknown_statement_is_422(
    http: httpx.AsyncClient, demo: dict
) -> None:
    response = await http.get(
        "/evidence", params={"quality_statement": "safe.nonsense"}, headers=demo["admin"]
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "quality_statement"


async def test_min_seq_reads_wait_for_the_views_or_answer_503(
    http: httpx.AsyncClient, demo: dict
) -> None:
    plan = "/action-plan"
    reached = await http.get(plan, headers={**demo["admin"], "Caretrail-Min-Seq": "1"})
    beyond = await http.get(plan, headers={**demo["admin"], "Caretrail-Min-Seq": str(10**12)})
    malformed = await http.get(plan, headers={**demo["admin"], "Caretrail-Min-Seq": "soon"})

    assert reached.status_code == 200, reached.text
    assert beyond.status_code == 503
    assert beyond.headers["content-type"].startswith("application/problem+json")
    assert malformed.status_code == 400
