"""The alert path as it runs: writes to a real `caretrail api` process nudge a real `caretrail
worker`, whose projections catch up and whose detectors raise the alerts. Once against the
default postgresql:// broker and once against a real RabbitMQ."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from services.kernel.handling import Records
from tests.e2e.alert_scenarios import Scenarios, ago
from tests.e2e.conftest import Group, LiveApi, make_group

KINDS = (
    "overdue_action",
    "statutory_deadline",
    "recurring_incident",
    "systemic_failure",
    "complaint_deadline",
)
#: No scheduler runs: only the nudge after each write can bring the alerts.
NO_SWEEPS = {
    "CARETRAIL_PROJECTION_SWEEP_SECONDS": "3600",
    "CARETRAIL_DETECTOR_SWEEP_SECONDS": "3600",
}


@pytest.fixture(params=["postgresql", "amqp"])
def broker_url(request: pytest.FixtureRequest) -> str | None:
    return None if request.param == "postgresql" else str(request.getfixturevalue("rabbitmq_url"))


async def open_alerts(api: httpx.AsyncClient, group: Group) -> dict[str, list[dict[str, Any]]]:
    response = await api.get("/alerts", params={"status": "open"}, headers=group.auth())
    assert response.status_code == 200, response.text
    found: dict[str, list[dict[str, Any]]] = {}
    for item in response.json()["items"]:
        found.setdefault(item["summary"]["kind"], []).append(item)
    return found


async def wait_for(
    api: httpx.AsyncClient, group: Group, kinds: tuple[str, ...], timeout: float
) -> dict[str, list[dict[str, Any]]]:
    deadline = time.monotonic() + timeout
    while True:
        found = await open_alerts(api, group)
        if all(kind in found for kind in kinds):
            return found
        assert time.monotonic() < deadline, f"alerts never raised: {sorted(found)} of {kinds}"
        await asyncio.sleep(0.05)


async def wait_for_records(
    api: httpx.AsyncClient, group: Group, alert_id: str, record_id: str, timeout: float
) -> None:
    """Until the alert names `record_id` among the records behind it (a detector run took in
    the write that made it)."""
    deadline = time.monotonic() + timeout
    while True:
        alert = await api.get(f"/alerts/{alert_id}", headers=group.auth())
        assert alert.status_code == 200, alert.text
        if record_id in str(alert.json()):
            return
        assert time.monotonic() < deadline, "the detectors never ran again"
        await asyncio.sleep(0.05)


async def test_each_condition_raises_one_alert_through_the_worker(
    live_workers: Any,
    broker_url: str | None,
    http: httpx.AsyncClient,
    records: Records,
    live_api: LiveApi,
) -> None:
    live = live_workers(broker_url, roles=("api", "worker"), env=NO_SWEEPS)
    group = await make_group(http, records, live_api, "Worker Alerts")
    async with httpx.AsyncClient(base_url=live.api_url + "/api/v1", timeout=30) as api:
        made = Scenarios(api, group)
        await made.third_home()
        started = time.monotonic()
        await made.overdue_action()
        await wait_for(api, group, ("overdue_action",), timeout=30)
        latency = time.monotonic() - started
        await made.death_not_notified()
        await made.three_falls()
        await made.medication_failed_in_three_homes()
        await made.late_complaint()
        found = await wait_for(api, group, KINDS, timeout=30)
        # A fourth fall runs the detectors again, and changes the records behind the recurring
        # incident alert: once that alert has them, that run is over, and there is still
        # exactly one alert per condition.
        [falls] = found["recurring_incident"]
        fourth = await made.incident(home=1, occurred_at=ago(hours=1))
        await wait_for_records(api, group, falls["id"], fourth, timeout=30)
        found = await open_alerts(api, group)
    print(f"write → alert ({broker_url or 'postgresql'}): {latency:.3f}s")
    for kind in KINDS:
        assert len(found[kind]) == 1, (kind, found[kind])
    line = live.wait_for_log("worker", lambda line: line.get("event") == "alerts reconciled")
    assert line["actor"] == "run_detectors" and line["tenant_id"] == str(group.tenant_id)
