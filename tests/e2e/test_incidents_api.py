"""Incidents over real HTTP: notifications and deadlines, closing, history, as_of and refusals."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx

from services.incidents.notifications import working_deadline
from tests.e2e.conftest import Group

PROBLEM_JSON = "application/problem+json"


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


def parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment)


@dataclass
class Log:
    """One provider group's incident log, called as one of its users."""

    http: httpx.AsyncClient
    group: Group

    def body(self, **changes: Any) -> dict[str, Any]:
        body = {
            "location_id": str(self.group.homes[0]),
            "category": "fall",
            "severity": "no_harm",
            "occurred_at": ago(hours=2),
            "description": "Found sitting on the lounge floor; no injury seen.",
            "immediate_actions": "Checked by the nurse; observations normal.",
        }
        return {k: v for k, v in {**body, **changes}.items() if v is not None}

    async def post(self, body: dict[str, Any], role: str = "home_manager") -> httpx.Response:
        return await self.http.post("/incidents", json=body, headers=self.group.auth(role))

    async def report(self, role: str = "home_manager", **changes: Any) -> dict[str, Any]:
        response = await self.post(self.body(**changes), role)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def run(
        self, incident: str, name: str, body: Any = None, role: str = "home_manager"
    ) -> httpx.Response:
        path = f"/incidents/{incident}/{name}"
        return await self.http.post(path, json=body, headers=self.group.auth(role))

    async def ok(self, incident: str, name: str, body: Any = None) -> dict[str, Any]:
        response = await self.run(incident, name, body)
        assert response.status_code == 200, response.text
        return dict(response.json()["record"])

    async def get(self, path: str = "", role: str = "group_admin", **params: Any) -> httpx.Response:
        return await self.http.get(
            f"/incidents{path}", params=params, headers=self.group.auth(role)
        )

    async def person(self) -> str:
        body = {
            "kind": "resident",
            "name": "Rose Resident",
            "location_id": str(self.group.homes[0]),
        }
        response = await self.http.post("/people", json=body, headers=self.group.auth())
        assert response.status_code == 201, response.text
        return str(response.json()["id"])


def by_recipient(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["recipient"]: r for r in record["required_notifications"]}


def assert_problem(response: httpx.Response, field: str) -> None:
    """A 4xx problem+json whose errors name the field."""
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    problem = response.json()
    assert problem["status"] == response.status_code
    assert any(field in e["field"] + e["message"] for e in problem["errors"]), problem


async def test_report_lists_what_must_be_notified_and_by_when(
    http: httpx.AsyncClient, group: Group
) -> None:
    log = Log(http, group)
    person = await log.person()
    created = await log.report(
        category="safeguarding", severity="moderate", people_involved=[person]
    )
    record = created["record"]

    assert re.fullmatch(r"INC-\d{6}", record["reference"])
    assert record["status"] == "reported" and record["notifiable"] is True
    assert record["people_involved"] == [person]
    required = by_recipient(record)
    assert list(required) == ["cqc", "local_authority_safeguarding", "duty_of_candour"]
    reported_at = parse(record["reported_at"])
    assert parse(required["cqc"]["due_at"]) == reported_at + timedelta(hours=24)
    assert "reg 18" in required["cqc"]["reason"]
    candour_due = working_deadline(reported_at, 10)
    assert parse(required["duty_of_candour"]["due_at"]) == candour_due
    for item in required.values():
        assert (item["made_at"], item["made_in_time"], item["overdue"]) == (None, None, False)
    assert record["outstanding_notifications"] == list(required)

    listed = (await log.get(status="reported", location_id=str(group.homes[0]))).json()["items"]
    (item,) = [i for i in listed if i["id"] == created["id"]]
    assert item["summary"]["notifiable"] is True
    assert item["summary"]["outstanding_notifications"] == list(required)
    assert (item["summary"]["category"], item["summary"]["severity"]) == (
        "safeguarding",
        "moderate",
    )


async def test_notify_close_refused_while_outstanding_then_closed_and_reopened(
    http: httpx.AsyncClient, group: Group
) -> None:
    log = Log(http, group)
    incident = (await log.report(category="safeguarding", severity="low"))["id"]
    investigator = str(group.users["quality_lead"])
    await log.ok(incident, "investigate", {"investigator_id": investigator})

    notice = {"recipient": "cqc", "notified_at": ago(minutes=5), "reference": "CQC-1"}
    record = await log.ok(incident, "notify", {**notice, "method": "portal"})
    cqc = by_recipient(record)["cqc"]
    assert cqc["made_in_time"] is True and cqc["made_at"] is not None
    assert record["outstanding_notifications"] == ["local_authority_safeguarding"]

    refused = await log.run(incident, "close", {"summary": "Done"})
    assert refused.status_code == 409 and refused.headers["content-type"].startswith(PROBLEM_JSON)
    assert "local_authority_safeguarding" in refused.json()["detail"]

    body = {"recipient": "local_authority_safeguarding", "notified_at": ago(minutes=1)}
    await log.ok(incident, "notify", body)
    await log.ok(incident, "root_cause", {"text": "Visitor policy not followed."})
    await log.ok(incident, "lessons", {"text": "Brief staff on the visitor policy."})
    closed = await log.ok(incident, "close", {"summary": "Referred; policy reissued."})
    assert closed["status"] == "closed" and closed["outstanding_notifications"] == []
    assert closed["root_cause"] == "Visitor policy not followed."
    assert (await log.run(incident, "lessons", {"text": "more"})).status_code == 409

    reopened = await log.ok(incident, "reopen", {"reason": "Family raised a new concern."})
    assert reopened["status"] == "investigating" and reopened["closed_at"] is None


async def test_duty_of_candour_steps_and_amend_recompute_the_requirements(
    http: httpx.AsyncClient, group: Group
) -> None:
    log = Log(http, group)
    incident = (await log.report(severity="low"))["id"]

    record = await log.ok(incident, "amend", {"severity": "moderate", "riddor_reportable": True})
    assert list(by_recipient(record)) == ["hse_riddor", "duty_of_candour"]
    assert record["severity"] == "moderate"

    for step in ("informed", "apologised", "true_account", "written_follow_up"):
        record = await log.ok(
            incident, "duty_of_candour_step", {"step": step, "done_at": ago(minutes=1)}
        )
    candour = by_recipient(record)["duty_of_candour"]
    assert candour["made_in_time"] is True
    assert [s["step"] for s in record["duty_of_candour_steps"]][-1] == "written_follow_up"
    assert record["outstanding_notifications"] == ["hse_riddor"]


async def test_deadlines_follow_the_group_settings(
    http: httpx.AsyncClient, fresh_group: Group
) -> None:
    changed = await http.put(
        "/settings",
        json={"settings": {"incidents.cqc_other_hours": 48}},
        headers=fresh_group.auth(),
    )
    assert changed.status_code in (200, 201), changed.text
    record = (await Log(http, fresh_group).report(severity="severe"))["record"]
    cqc = by_recipient(record)["cqc"]
    assert parse(cqc["due_at"]) == parse(record["reported_at"]) + timedelta(hours=48)
    assert "48 hours" in cqc["rule"]


async def test_history_and_as_of(http: httpx.AsyncClient, group: Group) -> None:
    log = Log(http, group)
    incident = (await log.report(severity="moderate"))["id"]
    await log.ok(incident, "amend", {"severity": "severe"})

    history = (await log.get(f"/{incident}/history", role="quality_lead")).json()
    assert [(h["version"], h["event_type"]) for h in history] == [
        (1, "IncidentReported"),
        (2, "IncidentAmended"),
    ]
    assert history[0]["actor"] == str(group.users["home_manager"])
    assert history[1]["changes"]["severity"] == {"old": "moderate", "new": "severe"}
    assert "required_notifications" in history[1]["changes"]

    earlier = await log.get(f"/{incident}", as_of=history[0]["recorded_at"])
    now = await log.get(f"/{incident}")
    assert earlier.status_code == 200, earlier.text
    assert earlier.json()["version"] == 1 and earlier.json()["record"]["severity"] == "moderate"
    assert list(by_recipient(earlier.json()["record"])) == ["duty_of_candour"]
    assert now.json()["version"] == 2 and list(by_recipient(now.json()["record"])) == [
        "cqc",
        "duty_of_candour",
    ]


async def test_bad_reports_are_refused_as_problems_and_nothing_is_written(
    http: httpx.AsyncClient, fresh_group: Group, other_group: Group, count_events: Any
) -> None:
    log = Log(http, fresh_group)
    foreign_person = await Log(http, other_group).person()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"category": "shipwreck"}, "category"),
        ({"severity": "catastrophic"}, "severity"),
        ({"occurred_at": ago(hours=-1)}, "occurred_at"),
        ({"occurred_at": "01/06/2026 10:00"}, "occurred_at"),
        ({"occurred_at": "2026-06-01T10:00:00"}, "occurred_at"),  # no timezone
        ({"description": "x" * 5001}, "description"),
        ({"description": "   "}, "description"),
        ({"location_id": str(uuid4())}, "location_id"),
        ({"location_id": str(other_group.homes[0])}, "location_id"),
        ({"people_involved": [str(uuid4())]}, "people_involved"),
        ({"people_involved": [foreign_person]}, "people_involved"),
        ({"riddor_kind": "over_7_day"}, "riddor_kind"),
        ({"colour": "red"}, "colour"),
    ]
    before = await count_events(fresh_group.tenant_id)
    for changes, field in cases:
        assert_problem(await log.post(log.body(**changes)), field)
    scoped = await log.post(log.body(location_id=str(fresh_group.homes[1])), role="staff")
    assert_problem(scoped, "location_id")  # staff of home 0 cannot report for home 1
    assert await count_events(fresh_group.tenant_id) == before


async def test_bad_commands_are_refused_and_nothing_is_written(
    http: httpx.AsyncClient, fresh_group: Group, other_group: Group, count_events: Any
) -> None:
    log = Log(http, fresh_group)
    incident = (await log.report(severity="severe"))["id"]
    cases: list[tuple[str, Any, str]] = [
        ("notify", {"recipient": "cqc", "notified_at": ago(hours=-1)}, "notified_at"),
        ("notify", {"recipient": "cqc", "notified_at": "yesterday"}, "notified_at"),
        ("notify", {"recipient": "cqc", "notified_at": ago(hours=5)}, "notified_at"),
        ("notify", {"recipient": "newspaper", "notified_at": ago(minutes=1)}, "recipient"),
        ("notify", {"recipient": "duty_of_candour", "notified_at": ago(minutes=1)}, "recipient"),
        ("duty_of_candour_step", {"step": "shrugged", "done_at": ago(minutes=1)}, "step"),
        ("investigate", {"investigator_id": str(uuid4())}, "investigator_id"),
        ("investigate", {"investigator_id": str(other_group.users["staff"])}, "investigator_id"),
        ("root_cause", {"text": ""}, "text"),
        ("amend", {}, "body"),
        ("amend", {"severity": "severe"}, "body"),
        ("amend", {"category": "shipwreck"}, "category"),
    ]
    before = await count_events(fresh_group.tenant_id)
    for name, body, field in cases:
        assert_problem(await log.run(incident, name, body), field)
    for name, body in (("close", {"summary": "x"}), ("reopen", {"reason": "x"})):
        assert (await log.run(incident, name, body)).status_code == 409
    assert await count_events(fresh_group.tenant_id) == before


async def test_another_group_gets_404_and_staff_see_only_their_homes(
    http: httpx.AsyncClient, group: Group, other_group: Group
) -> None:
    log, intruder = Log(http, group), Log(http, other_group)
    incident = (await log.report(location_id=str(group.homes[1]), role="group_admin"))["id"]

    for path in (f"/{incident}", f"/{incident}/history"):
        assert (await intruder.get(path)).status_code == 404
        assert (await log.get(path, role="staff")).status_code == 404
    assert (
        await intruder.run(incident, "lessons", {"text": "x"}, role="group_admin")
    ).status_code == 404
    listed = (await intruder.get()).json()["items"]
    assert incident not in [i["id"] for i in listed]
    assert (await log.get(f"/{incident}", role="quality_lead")).status_code == 200
