"""Alert delivery as it runs: real `caretrail worker` and `scheduler` processes on the default
postgresql:// broker carry an alert to a local webhook server that verifies the signature with
the standardwebhooks library; a worker SIGKILLed mid-delivery and restarted leaves exactly one
delivery recorded and nothing lost."""

from __future__ import annotations

import asyncio
import signal
import time
from typing import Any

import httpx
import pytest

from services.kernel.handling import Records
from tests.alert_receivers import smtp_sink, webhook_receiver
from tests.e2e.alert_scenarios import Scenarios
from tests.e2e.conftest import Group
from tests.integration.alert_delivery_support import deliveries, raise_alert

#: Fast sweeps and a short lease, so a dead worker's delivery is taken over within seconds.
FAST = {
    "CARETRAIL_DELIVERY_SWEEP_SECONDS": "0.3",
    "CARETRAIL_DELIVERY_LEASE_SECONDS": "3",
    "CARETRAIL_DELIVERY_BACKOFF_SECONDS": "0.2",
    "CARETRAIL_PROJECTION_SWEEP_SECONDS": "3600",
}


async def subscribe(http: httpx.AsyncClient, group: Group, body: dict[str, Any]) -> dict[str, Any]:
    response = await http.post("/subscriptions", json=body, headers=group.auth())
    assert response.status_code == 201, response.text
    return dict(response.json())


async def delivered(
    http: httpx.AsyncClient, group: Group, subscription: str, timeout: float
) -> list[Any]:
    """The subscription's deliveries once all are delivered (through the API), or fail."""
    deadline = time.monotonic() + timeout
    while True:
        response = await http.get(f"/subscriptions/{subscription}/deliveries", headers=group.auth())
        items = response.json()["items"]
        if items and all(item["status"] == "delivered" for item in items):
            return list(items)
        assert time.monotonic() < deadline, f"not delivered in {timeout}s: {items}"
        await asyncio.sleep(0.1)


@pytest.fixture(params=["postgresql", "amqp"])
def broker_url(request: pytest.FixtureRequest) -> str | None:
    return None if request.param == "postgresql" else str(request.getfixturevalue("rabbitmq_url"))


async def test_a_missed_cqc_notification_reaches_a_webhook_signed_and_a_mailbox(
    http: httpx.AsyncClient, fresh_group: Group, live_workers: Any, broker_url: str | None
) -> None:
    """All through HTTP and real processes: a death reported with a 0-hour CQC window makes the
    detectors raise a high `statutory_deadline` alert, which the workers deliver."""
    statutory = {"kinds": ["statutory_deadline"]}
    # The receiver fails the first request: the delivery is retried after its backoff.
    with webhook_receiver(fail_first=1) as receiver, smtp_sink() as sink:
        hook = await subscribe(
            http,
            fresh_group,
            {"channel": "webhook", "name": "pager", "url": receiver.url, "filters": statutory},
        )
        receiver.secret = hook["secret"]
        mail = await subscribe(
            http,
            fresh_group,
            {
                "channel": "email",
                "name": "lead",
                "address": "lead@x.example",
                "modes": ["immediate"],
                "filters": statutory,
            },
        )
        incident = await Scenarios(http, fresh_group).death_not_notified()
        smtp = {"CARETRAIL_SMTP_HOST": sink.host, "CARETRAIL_SMTP_PORT": str(sink.port)}
        live_workers(
            broker_url=broker_url, env=FAST | smtp | {"CARETRAIL_DETECTOR_SWEEP_SECONDS": "1"}
        )

        [hooked] = await delivered(http, fresh_group, hook["id"], timeout=60)
        [mailed] = await delivered(http, fresh_group, mail["id"], timeout=30)

    failed, got = receiver.received
    assert failed.verified and got.verified, "the standardwebhooks library verified both"
    assert failed.webhook_id == got.webhook_id == hooked["id"]
    assert hooked["attempts"] == 2 and "HTTP 500" in hooked["last_error"]
    data = got.payload["data"]
    assert (data["kind"], data["severity"]) == ("statutory_deadline", "high")
    assert incident in {record["id"] for record in data["records"]}
    assert hooked["alert_event_id"] == data["event_id"] == mailed["alert_event_id"]
    [message] = sink.messages
    assert message["To"] == "lead@x.example"
    assert message["Message-ID"] == f"<{mailed['id']}@caretrail>"


async def test_a_worker_killed_mid_delivery_and_restarted_delivers_exactly_once(
    http: httpx.AsyncClient, fresh_group: Group, live_workers: Any, records: Records
) -> None:
    with webhook_receiver(delay=20) as receiver:
        hook = await subscribe(
            http,
            fresh_group,
            {
                "channel": "webhook",
                "name": "pager",
                "url": receiver.url,
                "filters": {"kinds": ["statutory_deadline"]},
            },
        )
        receiver.secret = hook["secret"]
        first = live_workers(roles=("worker", "scheduler"), env=FAST)
        await raise_alert(records.store, fresh_group.tenant_id)

        # The worker has sent the POST and waits for the answer: kill it there.
        assert await asyncio.to_thread(receiver.started.wait, 30), "no delivery was attempted"
        worker = first.processes["worker"]
        worker.send_signal(signal.SIGKILL)
        assert worker.wait(timeout=10) == -signal.SIGKILL
        [row] = await deliveries(records.store, fresh_group.tenant_id)
        assert (row["status"], row["attempts"]) == ("sending", 1)

        receiver.delay = 0
        live_workers(roles=("worker",), env=FAST)
        [item] = await delivered(http, fresh_group, hook["id"], timeout=60)

    rows = await deliveries(records.store, fresh_group.tenant_id)
    assert len(rows) == 1, rows  # one delivery recorded for (alert event, subscription)
    assert (rows[0]["status"], rows[0]["attempts"]) == ("delivered", 2)
    # The receiver saw the same webhook-id twice (the killed attempt's request, then the retry):
    # one delivery, which a receiver de-duplicates by webhook-id; every request was signed.
    assert receiver.ids() == {item["id"]}
    assert len(receiver.received) == 2 and all(r.verified for r in receiver.received)
