"""Audit templates and audits over HTTP: score, rating, findings, actions, history, refusals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import httpx
import pytest
import pytest_asyncio
from litestar.testing import AsyncTestClient

from infra.app import create_app
from services import catalog
from services.audits.controller import API as AUDITS_API
from services.audits.template_controller import TEMPLATE_API
from tests.e2e.conftest import Group, LiveApi

MEDS = "safe.medicines-optimisation"
IPC = "safe.infection-prevention-control"
PROBLEM_JSON = "application/problem+json"
DUE = "2026-03-31"
QUESTIONS = [
    {"text": "Are MAR charts complete for the last 7 days?", "quality_statement": MEDS},
    {"text": "Is the medicine fridge between 2 and 8°C?", "quality_statement": MEDS},
    {"text": "Are hand-wash stations stocked?", "quality_statement": IPC},
    {"text": "Are sharps bins below the fill line?", "quality_statement": IPC},
]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def audits_http(live_api: LiveApi) -> AsyncIterator[httpx.AsyncClient]:
    """The session's API; or, while services/catalog.py does not list the audits context yet, an
    app of this module's own with it added, on the same database (the session's app unchanged)."""
    listed = {api.path for api in catalog.RECORD_APIS}
    missing = tuple(api for api in (TEMPLATE_API, AUDITS_API) if api.path not in listed)
    if not missing:
        async with httpx.AsyncClient(base_url=live_api.base_url + "/api/v1", timeout=30) as client:
            yield client
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(catalog, "RECORD_APIS", (*catalog.RECORD_APIS, *missing))
        app = create_app(live_api.database.settings.with_(log_level="WARNING"), live_api.runtime)
        client = AsyncTestClient(
            app, "http://testserver.local/api/v1", raise_server_exceptions=False
        )
        async with client:  # the lifespan builds the event registry from the patched catalogue
            patch.undo()
            yield client


@dataclass
class Audits:
    """One provider group's templates and audits, called as one of its users."""

    http: httpx.AsyncClient
    group: Group

    async def post(self, path: str, body: Any, role: str = "group_admin", **headers: str) -> Any:
        return await self.http.post(path, json=body, headers={**self.group.auth(role), **headers})

    async def get(self, path: str, role: str = "group_admin", **params: Any) -> httpx.Response:
        return await self.http.get(path, params=params, headers=self.group.auth(role))

    async def template(self, **changes: Any) -> dict[str, Any]:
        response = await self.post(
            "/audit-templates", {"name": "Spot check", "questions": QUESTIONS, **changes}
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def schedule(
        self, template_id: str, role: str = "home_manager", home: int = 0
    ) -> dict[str, Any]:
        body = {
            "location_id": str(self.group.homes[home]),
            "template_id": template_id,
            "due_date": DUE,
        }
        response = await self.post("/audits", body, role)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def run(
        self, audit: str, command: str, body: Any = None, role: str = "home_manager", **headers: str
    ) -> httpx.Response:
        return await self.post(f"/audits/{audit}/{command}", body, role, **headers)

    async def completed(self, *values: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """A new template, and an audit of home 0 from it completed with these answers."""
        template = await self.template()
        audit_id = (await self.schedule(template["id"]))["id"]
        response = await self.run(audit_id, "complete", {"answers": answers(template, *values)})
        assert response.status_code == 200, response.text
        return template, dict(response.json())

    async def action(self, home: int, owner: str) -> str:
        body = {
            "location_id": str(self.group.homes[home]),
            "title": "Replace the fridge thermometer",
            "description": "Order and fit a calibrated thermometer",
            "priority": "medium",
            "success_measure": "Readings in range for a month",
            "due_date": "2026-04-15",
            "owner_id": str(self.group.users[owner]),
        }
        response = await self.post("/actions", body)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])


def answers(template: dict[str, Any], *values: str) -> list[dict[str, Any]]:
    questions = template["record"]["questions"]
    return [
        {"question_id": q["id"], "answer": v, "comment": None}
        for q, v in zip(questions, values, strict=False)
    ]


def assert_problem(response: httpx.Response, field: str) -> None:
    """A 4xx problem+json whose errors name exactly this field."""
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    problem = response.json()
    assert problem["status"] == response.status_code
    assert field in [e["field"] for e in problem["errors"]], problem


async def test_templates_are_versioned(audits_http: httpx.AsyncClient, group: Group) -> None:
    audits = Audits(audits_http, group)
    created = await audits.template(green_at=0.95, amber_at=0.8)
    record, template_id = created["record"], created["id"]
    assert (record["template_version"], record["status"]) == (1, "active")
    assert (record["framework"], record["green_at"], record["amber_at"]) == (
        "cqc-saf-2024",
        0.95,
        0.8,
    )
    assert [q["quality_statement"] for q in record["questions"]] == [MEDS, MEDS, IPC, IPC]
    kept = record["questions"][0]["id"]
    revise = {"questions": [{**QUESTIONS[0], "id": kept}, QUESTIONS[2]], "name": "Spot check v2"}
    revised = await audits.post(f"/audit-templates/{template_id}/revise", revise)
    assert revised.status_code == 200, revised.text
    record = revised.json()["record"]
    assert (record["template_version"], record["name"], record["green_at"]) == (
        2,
        "Spot check v2",
        0.95,
    )
    assert [q["id"] == kept for q in record["questions"]] == [True, False]
    assert [len(v["questions"]) for v in record["versions"]] == [4, 2]
    listed = (await audits.get("/audit-templates", status="active", role="quality_lead")).json()
    summary = {"name": "Spot check v2", "template_version": 2, "questions": 2}
    assert summary in [{k: i["summary"][k] for k in summary} for i in listed["items"]]


async def test_a_retired_template_schedules_no_audits(
    audits_http: httpx.AsyncClient, group: Group
) -> None:
    audits = Audits(audits_http, group)
    template_id = (await audits.template())["id"]
    retired = await audits.post(f"/audit-templates/{template_id}/retire", None)
    assert retired.status_code == 200 and retired.json()["record"]["status"] == "retired"
    history = (await audits.get(f"/audit-templates/{template_id}/history")).json()
    assert [h["event_type"] for h in history] == ["AuditTemplateCreated", "AuditTemplateRetired"]
    again = await audits.post(f"/audit-templates/{template_id}/retire", None)
    assert again.status_code == 409 and again.headers["content-type"].startswith(PROBLEM_JSON)
    body = {"location_id": str(group.homes[0]), "template_id": template_id, "due_date": DUE}
    assert_problem(await audits.post("/audits", body), "template_id")


async def test_the_starter_library_is_listed_and_copied(
    audits_http: httpx.AsyncClient, group: Group
) -> None:
    audits = Audits(audits_http, group)
    library = await audits.get("/audit-templates/library", role="staff")
    assert library.status_code == 200, library.text
    starters = {t["key"]: t for t in library.json()}
    assert set(starters) >= {
        "medication",
        "care-plans",
        "ipc",
        "environment",
        "night-spot-check",
        "governance",
    }
    copied = await audits.post("/audit-templates", {"from_library": "medication"})
    assert copied.status_code == 201, copied.text
    record, medication = copied.json()["record"], starters["medication"]
    assert (record["name"], record["library_key"], record["green_at"]) == (
        medication["name"],
        "medication",
        medication["green_at"],
    )
    assert [q["library_key"] for q in record["questions"]] == [
        q["key"] for q in medication["questions"]
    ]


async def test_answer_and_complete_give_score_rating_and_findings(
    audits_http: httpx.AsyncClient, group: Group
) -> None:
    audits = Audits(audits_http, group)
    template = await audits.template()
    audit = await audits.schedule(template["id"])
    audit_id = audit["id"]
    assert (audit["record"]["status"], audit["record"]["template_version"]) == ("scheduled", 1)
    started = await audits.run(audit_id, "start", role="staff")
    assert started.status_code == 200 and started.json()["record"]["status"] == "in_progress"
    given = answers(template, "yes", "yes", "no", "na")
    partial = await audits.run(audit_id, "answer", {"answers": given[:2]}, role="staff")
    assert partial.status_code == 200 and len(partial.json()["record"]["answers"]) == 2
    completed = await audits.run(audit_id, "complete", {"answers": given[2:]}, role="staff")
    assert completed.status_code == 200, completed.text
    record = completed.json()["record"]
    assert (record["status"], record["score"], record["rag"]) == ("completed", 2 / 3, "red")
    [finding] = record["findings"]
    question = template["record"]["questions"][2]
    assert (finding["question_id"], finding["question_text"]) == (question["id"], question["text"])
    assert (finding["quality_statement"], finding["action_id"]) == (IPC, None)
    listed = await audits.get("/audits", location_id=str(group.homes[0]), status="completed")
    [summary] = [i["summary"] for i in listed.json()["items"] if i["id"] == audit_id]
    assert (summary["score"], summary["rag"], summary["findings"], summary["due_date"]) == (
        2 / 3,
        "red",
        1,
        DUE,
    )
    _template, green = await audits.completed("yes", "yes", "yes", "na")
    assert (green["record"]["score"], green["record"]["rag"], green["record"]["findings"]) == (
        1.0,
        "green",
        [],
    )


async def test_audits_keep_the_template_version_they_were_scheduled_with(
    audits_http: httpx.AsyncClient, group: Group
) -> None:
    audits = Audits(audits_http, group)
    template = await audits.template()
    first = await audits.schedule(template["id"])
    revised = await audits.post(
        f"/audit-templates/{template['id']}/revise", {"questions": [QUESTIONS[0]]}
    )
    assert revised.status_code == 200, revised.text
    second = await audits.schedule(template["id"])
    assert (second["record"]["template_version"], len(second["record"]["questions"])) == (2, 1)
    reread = (await audits.get(f"/audits/{first['id']}")).json()["record"]
    assert (reread["template_version"], len(reread["questions"])) == (1, 4)


async def test_a_finding_raises_a_draft_action_once(
    audits_http: httpx.AsyncClient, group: Group, other_group: Group, count_events: Any
) -> None:
    audits = Audits(audits_http, group)
    _template, audit = await audits.completed("no", "no", "yes", "yes")
    first, second = (f["finding_id"] for f in audit["record"]["findings"])
    body = {"finding_id": first, "owner_id": str(group.users["staff"]), "due_date": "2026-04-30"}
    key = {"Idempotency-Key": f"raise-{uuid4()}"}
    raised = await audits.run(audit["id"], "raise_action", body, **key)
    assert raised.status_code == 200 and raised.headers["etag"] == '"4"', raised.text
    finding = raised.json()["record"]["findings"][0]
    assert finding["action_origin"] == "raised"
    action = (await audits.get(f"/actions/{finding['action_id']}")).json()["record"]
    assert (action["status"], action["location_id"], action["owner_id"]) == (
        "draft",
        str(group.homes[0]),
        str(group.users["staff"]),
    )
    assert action["source"]["kind"] == "audit_finding" and action["quality_statements"] == [MEDS]
    before_replay = await count_events(group.tenant_id)
    replayed = await audits.run(audit["id"], "raise_action", body, **key)
    assert replayed.headers["idempotent-replayed"] == "true" and replayed.json() == raised.json()
    assert await count_events(group.tenant_id) == before_replay  # no second draft action
    assert (await audits.run(audit["id"], "raise_action", body)).status_code == 409
    foreign_owner = {**body, "finding_id": second, "owner_id": str(other_group.users["staff"])}
    assert_problem(await audits.run(audit["id"], "raise_action", foreign_owner), "owner_id")
    assert await count_events(group.tenant_id) == before_replay


async def test_a_finding_links_an_existing_action_of_its_home(
    audits_http: httpx.AsyncClient, group: Group
) -> None:
    audits = Audits(audits_http, group)
    _template, audit = await audits.completed("yes", "no", "yes", "yes")
    [finding] = audit["record"]["findings"]
    action = await audits.action(home=0, owner="home_manager")
    linked = await audits.run(
        audit["id"], "link_finding", {"finding_id": finding["finding_id"], "action_id": action}
    )
    assert linked.status_code == 200, linked.text
    [finding] = linked.json()["record"]["findings"]
    assert (finding["action_id"], finding["action_origin"]) == (action, "linked")
    elsewhere = await audits.action(home=1, owner="quality_lead")
    for action_id in (str(uuid4()), elsewhere, action):
        link = {"finding_id": finding["finding_id"], "action_id": action_id}
        assert_problem(await audits.run(audit["id"], "link_finding", link), "action_id")


async def test_history_as_of_and_cancel(audits_http: httpx.AsyncClient, group: Group) -> None:
    audits = Audits(audits_http, group)
    template = await audits.template()
    audit_id = (await audits.schedule(template["id"]))["id"]
    given = answers(template, "yes", "no", "yes", "yes")
    await audits.run(audit_id, "answer", {"answers": given[:1]})
    await audits.run(audit_id, "complete", {"answers": given[1:]})
    history = (await audits.get(f"/audits/{audit_id}/history")).json()
    assert [h["event_type"] for h in history] == [
        "AuditScheduled",
        "AuditStarted",
        "AuditAnswersRecorded",
        "AuditCompleted",
    ]
    assert history[3]["changes"]["score"] == {"old": None, "new": 0.75}
    assert history[0]["actor"] == str(group.users["home_manager"])
    at_start = await audits.get(f"/audits/{audit_id}", as_of=history[2]["recorded_at"])
    assert at_start.status_code == 200 and at_start.headers["etag"] == '"3"'
    record = at_start.json()["record"]
    assert (record["status"], record["score"], len(record["answers"])) == ("in_progress", None, 1)
    assert (await audits.run(audit_id, "cancel", {"reason": "done twice"})).status_code == 409
    other = (await audits.schedule(template["id"]))["id"]
    cancelled = await audits.run(other, "cancel", {"reason": "Home closed for refurbishment"})
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["record"]["status"] == "cancelled"


def bad_inputs(
    template: dict[str, Any], audit_id: str, home: str, foreign: Group, foreign_template: str
) -> list[tuple[str, Any, str]]:
    """Path, body and the field the problem must name; none of them may write anything."""
    audit, first_question = f"/audits/{audit_id}", template["record"]["questions"][0]["id"]
    named = {"name": "X", "questions": QUESTIONS}
    stray = {"question_id": str(uuid4()), "answer": "yes"}
    return [
        (
            "/audit-templates",
            {"name": "X", "questions": [{"text": "?", "quality_statement": "safe.flying"}]},
            "questions[0].quality_statement",
        ),
        ("/audit-templates", {"name": "X", "questions": []}, "questions"),
        ("/audit-templates", {**named, "green_at": 1.5}, "green_at"),
        ("/audit-templates", {**named, "green_at": 0.7, "amber_at": 0.8}, "amber_at"),
        ("/audit-templates", {"from_library": "teleportation"}, "from_library"),
        ("/audit-templates", {**named, "colour": "red"}, "colour"),
        (
            "/audits",
            {"location_id": home, "template_id": str(uuid4()), "due_date": DUE},
            "template_id",
        ),
        (
            "/audits",
            {"location_id": home, "template_id": foreign_template, "due_date": DUE},
            "template_id",
        ),
        (
            "/audits",
            {"location_id": str(foreign.homes[0]), "template_id": template["id"], "due_date": DUE},
            "location_id",
        ),
        (
            "/audits",
            {"location_id": home, "template_id": template["id"], "due_date": "31/03/2026"},
            "due_date",
        ),
        (f"{audit}/complete", {"answers": answers(template, "yes", "yes")}, "answers"),
        (
            f"{audit}/complete",
            {"answers": [*answers(template, "yes", "yes", "yes", "yes"), stray]},
            "answers[4].question_id",
        ),
        (
            f"{audit}/answer",
            {"answers": [{"question_id": first_question, "answer": "maybe"}]},
            "answers[0].answer",
        ),
        (f"{audit}/answer", {"answers": []}, "answers"),
        (f"{audit}/cancel", {"reason": "   "}, "reason"),
        (
            f"{audit}/link_finding",
            {"finding_id": str(uuid4()), "action_id": str(uuid4())},
            "action_id",
        ),
    ]


async def test_bad_inputs_are_problems_and_nothing_is_written(
    audits_http: httpx.AsyncClient, fresh_group: Group, other_group: Group, count_events: Any
) -> None:
    audits = Audits(audits_http, fresh_group)
    template = await audits.template()
    audit_id = (await audits.schedule(template["id"]))["id"]
    foreign_template = (await Audits(audits_http, other_group).template())["id"]
    home = str(fresh_group.homes[0])
    before = await count_events(fresh_group.tenant_id)
    for path, body, field in bad_inputs(template, audit_id, home, other_group, foreign_template):
        assert_problem(await audits.post(path, body), field)
    staff = await audits.post(
        "/audit-templates", {"name": "X", "questions": QUESTIONS}, role="staff"
    )
    assert staff.status_code == 403 and staff.headers["content-type"].startswith(PROBLEM_JSON)
    scoped = {
        "location_id": str(fresh_group.homes[1]),
        "template_id": template["id"],
        "due_date": DUE,
    }
    assert_problem(await audits.post("/audits", scoped, role="home_manager"), "location_id")
    assert (await audits.run(audit_id, "start", None, **{"If-Match": '"7"'})).status_code == 412
    assert await count_events(fresh_group.tenant_id) == before


async def test_other_tenants_and_other_homes_see_nothing(
    audits_http: httpx.AsyncClient, group: Group, other_group: Group
) -> None:
    audits = Audits(audits_http, group)
    template = await audits.template()
    audit_id = (await audits.schedule(template["id"], role="group_admin", home=1))["id"]
    outsider = Audits(audits_http, other_group)
    for path in (
        f"/audits/{audit_id}",
        f"/audits/{audit_id}/history",
        f"/audit-templates/{template['id']}",
    ):
        response = await outsider.get(path)
        assert response.status_code == 404 and response.headers["content-type"].startswith(
            PROBLEM_JSON
        )
    for command in ("start", "complete", "raise_action", "link_finding"):
        assert (await outsider.run(audit_id, command, {}, role="group_admin")).status_code == 404
    assert (
        await audits.get(f"/audits/{audit_id}", role="staff")
    ).status_code == 404  # staff of home 0
    assert audit_id not in [i["id"] for i in (await outsider.get("/audits")).json()["items"]]
