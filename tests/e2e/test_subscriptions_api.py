"""Alert subscriptions over real HTTP: subscribe (the secret shown once), read, list, cancel with
DELETE, see deliveries and dead letters; refusals store nothing; group admins only."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from eventstore import REDACTED
from eventstore.binding import Binding
from services.alerts.delivery_attempt import Courier, DeliveryConfig, attempt
from services.alerts.delivery_fanout import fan_out
from services.alerts.subscriptions import SUBSCRIPTIONS
from services.kernel.handling import Records
from tests.e2e.conftest import Group
from tests.integration.alert_delivery_support import raise_alert

PROBLEM_JSON = "application/problem+json"


def webhook_body(**changes: Any) -> dict[str, Any]:
    body = {"channel": "webhook", "name": "On-call pager", "url": "https://pager.example/hooks"}
    return {k: v for k, v in {**body, **changes}.items() if v is not None}


async def subscribe(http: httpx.AsyncClient, group: Group, **changes: Any) -> dict[str, Any]:
    response = await http.post("/subscriptions", json=webhook_body(**changes), headers=group.auth())
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_a_webhook_subscription_shows_its_secret_once(
    http: httpx.AsyncClient, group: Group
) -> None:
    created = await subscribe(http, group, filters={"min_severity": "high"})
    secret = created["secret"]
    assert secret.startswith("whsec_")
    assert created["record"]["status"] == "active"
    assert created["record"]["filters"]["min_severity"] == "high"

    read = await http.get(f"/subscriptions/{created['id']}", headers=group.auth())
    assert read.status_code == 200 and read.headers["ETag"] == '"1"'
    assert secret not in read.text and read.json()["record"]["url"] == "https://pager.example/hooks"
    listed = await http.get("/subscriptions", params={"status": "active"}, headers=group.auth())
    assert created["id"] in {item["id"] for item in listed.json()["items"]}
    assert secret not in listed.text


async def test_an_email_subscription_keeps_its_address_and_modes(
    http: httpx.AsyncClient, group: Group
) -> None:
    body = {
        "channel": "email",
        "name": "Quality inbox",
        "address": "quality@sunrise.example",
        "modes": ["immediate", "daily_digest"],
        "filters": {"kinds": ["statutory_deadline"], "location_ids": [str(group.homes[0])]},
    }
    response = await http.post("/subscriptions", json=body, headers=group.auth())
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["secret"] is None
    assert created["record"]["address"] == "quality@sunrise.example"
    assert created["record"]["modes"] == ["immediate", "daily_digest"]


async def test_delete_cancels_once_and_history_remains(
    http: httpx.AsyncClient, group: Group
) -> None:
    created = await subscribe(http, group)
    path = f"/subscriptions/{created['id']}"
    stale = await http.delete(path, headers={**group.auth(), "If-Match": '"7"'})
    assert stale.status_code == 412
    cancelled = await http.delete(path, headers={**group.auth(), "If-Match": '"1"'})
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["record"]["status"] == "cancelled"
    again = await http.delete(path, headers=group.auth())
    assert again.status_code == 409
    assert again.headers["content-type"].startswith(PROBLEM_JSON)
    read = await http.get(path, headers=group.auth())
    assert (read.json()["version"], read.json()["record"]["status"]) == (2, "cancelled")
    assert read.json()["record"]["url"] == "https://pager.example/hooks"


async def test_cancelling_erases_the_secret_and_the_address(
    http: httpx.AsyncClient, group: Group, records: Records
) -> None:
    body = {"channel": "email", "name": "x", "address": "a@b.example", "modes": ["immediate"]}
    mailed = (await http.post("/subscriptions", json=body, headers=group.auth())).json()
    hooked = await subscribe(http, group)
    for created in (mailed, hooked):
        response = await http.delete(f"/subscriptions/{created['id']}", headers=group.auth())
        assert response.status_code == 200, response.text
    assert response.json()["record"]["status"] == "cancelled"
    read = await http.get(f"/subscriptions/{mailed['id']}", headers=group.auth())
    assert read.json()["record"]["address"] == REDACTED
    state, _version, _events = await records.load(
        group.tenant_id, SUBSCRIPTIONS, UUID(hooked["id"]), binding=Binding.tenant(group.tenant_id)
    )
    assert state.secret == REDACTED and hooked["secret"] != REDACTED


async def test_a_repeated_post_with_one_idempotency_key_creates_one_and_hides_the_secret(
    http: httpx.AsyncClient, fresh_group: Group, count_events: Any
) -> None:
    headers = {**fresh_group.auth(), "Idempotency-Key": f"sub-{uuid4()}"}
    first = await http.post("/subscriptions", json=webhook_body(), headers=headers)
    before = await count_events(fresh_group.tenant_id)
    second = await http.post("/subscriptions", json=webhook_body(), headers=headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json()["id"] == first.json()["id"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert first.json()["secret"] and second.json()["secret"] is None
    assert await count_events(fresh_group.tenant_id) == before


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        (webhook_body(url=None), 422, "url"),
        (webhook_body(url="ftp://pager.example/x"), 422, "url"),
        (webhook_body(modes=["immediate"]), 422, "modes"),
        (webhook_body(channel="pigeon"), 400, "channel"),
        (webhook_body(name=""), 400, "name"),
        (webhook_body(colour="red"), 400, "colour"),
        (webhook_body(filters={"min_severity": "urgent"}), 400, "filters.min_severity"),
        (webhook_body(filters={"kinds": ["bad_weather"]}), 400, "filters.kinds[0]"),
        (webhook_body(filters={"location_ids": [str(uuid4())]}), 422, "filters.location_ids"),
        ({"channel": "email", "name": "x", "modes": ["immediate"]}, 422, "address"),
        (
            {"channel": "email", "name": "x", "address": "nobody", "modes": ["immediate"]},
            422,
            "address",
        ),
        ({"channel": "email", "name": "x", "address": "a@b.example"}, 422, "modes"),
    ],
)
async def test_bad_subscriptions_name_the_field_and_store_nothing(
    http: httpx.AsyncClient,
    fresh_group: Group,
    count_events: Any,
    body: dict[str, Any],
    status: int,
    field: str,
) -> None:
    before = await count_events(fresh_group.tenant_id)
    response = await http.post("/subscriptions", json=body, headers=fresh_group.auth())
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert field in {e["field"] for e in response.json()["errors"]}, response.json()
    assert await count_events(fresh_group.tenant_id) == before


@pytest.mark.parametrize("role", ["quality_lead", "home_manager", "staff"])
async def test_only_group_admins_manage_or_see_subscriptions(
    http: httpx.AsyncClient, group: Group, role: str
) -> None:
    created = await subscribe(http, group)
    path = f"/subscriptions/{created['id']}"
    assert (
        await http.post("/subscriptions", json=webhook_body(), headers=group.auth(role))
    ).status_code == 403
    assert (await http.get("/subscriptions", headers=group.auth(role))).status_code == 403
    assert (await http.get(path, headers=group.auth(role))).status_code == 403
    assert (await http.delete(path, headers=group.auth(role))).status_code == 403
    assert (await http.get(f"{path}/deliveries", headers=group.auth(role))).status_code == 403


async def test_another_groups_subscription_is_not_found(
    http: httpx.AsyncClient, group: Group, other_group: Group
) -> None:
    created = await subscribe(http, group)
    path = f"/subscriptions/{created['id']}"
    for response in (
        await http.get(path, headers=other_group.auth()),
        await http.delete(path, headers=other_group.auth()),
        await http.get(f"{path}/deliveries", headers=other_group.auth()),
    ):
        assert response.status_code == 404
    listed = await http.get("/subscriptions", headers=other_group.auth())
    assert created["id"] not in {item["id"] for item in listed.json()["items"]}


async def test_deliveries_show_attempts_errors_and_dead_letters(
    http: httpx.AsyncClient, fresh_group: Group, records: Records
) -> None:
    # Port 9 (discard) on loopback: nothing listens, every attempt is refused.
    created = await subscribe(http, fresh_group, url="http://127.0.0.1:9/hooks")
    tenant, subscription = fresh_group.tenant_id, UUID(created["id"])
    await raise_alert(records.store, tenant)
    [delivery_id] = await fan_out(records, tenant)
    async with httpx.AsyncClient(timeout=2) as client:
        courier = Courier(DeliveryConfig(max_attempts=1, webhook_allow_private=True), client)
        assert (await attempt(records, courier, tenant, delivery_id)).status == "dead"

    path = f"/subscriptions/{subscription}/deliveries"
    response = await http.get(path, params={"status": "dead"}, headers=fresh_group.auth())
    assert response.status_code == 200, response.text
    [dead] = response.json()["items"]
    assert (dead["id"], dead["status"], dead["attempts"]) == (str(delivery_id), "dead", 1)
    assert dead["last_error"] and dead["dead_lettered_at"] and dead["next_attempt_at"] is None
    none = await http.get(path, params={"status": "delivered"}, headers=fresh_group.auth())
    assert none.json()["items"] == []
    bad = await http.get(path, params={"status": "lost"}, headers=fresh_group.auth())
    assert bad.status_code == 400


async def test_deliveries_page_with_a_cursor(
    http: httpx.AsyncClient, fresh_group: Group, records: Records
) -> None:
    created = await subscribe(http, fresh_group)
    for _ in range(3):
        await raise_alert(records.store, fresh_group.tenant_id)
    owed = await fan_out(records, fresh_group.tenant_id)
    path = f"/subscriptions/{created['id']}/deliveries"
    first = (await http.get(path, params={"limit": 2}, headers=fresh_group.auth())).json()
    cursor = first["next_cursor"]
    second = await http.get(path, params={"limit": 2, "cursor": cursor}, headers=fresh_group.auth())
    assert second.json()["next_cursor"] is None
    seen = [item["id"] for item in first["items"] + second.json()["items"]]
    assert sorted(seen) == sorted(str(d) for d in owed) and len(seen) == 3
    bad = await http.get(path, params={"cursor": "nonsense"}, headers=fresh_group.auth())
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"
