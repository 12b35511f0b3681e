"""Alert delivery on the real database with real receivers: fan-out owes each (alert event,
subscription) once however often it runs, webhooks arrive signed, e-mail goes over SMTP,
failures back off and end in a visible dead letter, and tenants never see each other's rows."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import httpx
import pytest
import pytest_asyncio
import structlog

from eventstore import EventStore
from eventstore.connection import tenant_transaction
from services import catalog
from services.alerts import delivery_store
from services.alerts.delivery_attempt import Courier, DeliveryConfig, attempt
from services.alerts.delivery_email import SmtpConfig
from services.alerts.delivery_fanout import fan_out, owe_digests
from services.alerts.subscriptions import SubscriptionFilters
from services.kernel.calendar import ENGLAND
from services.kernel.handling import Records
from tests.alert_receivers import smtp_sink, webhook_receiver
from tests.integration.alert_delivery_support import (
    cancel,
    deliveries,
    end_leases,
    make_due,
    raise_alert,
    subscribe_email,
    subscribe_webhook,
)


@pytest.fixture
def records(store: EventStore) -> Records:
    return Records(store, catalog.event_registry())


@pytest_asyncio.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as client:
        yield client


def courier(http: httpx.AsyncClient, **config: object) -> Courier:
    settings: dict[str, object] = {
        "max_attempts": 3,
        "backoff_seconds": 0.01,
        "webhook_allow_private": True,  # the receivers listen on loopback
    }
    return Courier(DeliveryConfig(**(settings | config)), http)  # type: ignore[arg-type]


async def test_fan_out_owes_each_alert_to_each_matching_subscription_exactly_once(
    records: Records, store: EventStore, tenant: UUID
) -> None:
    early = await raise_alert(store, tenant)  # before any subscription: owed to nobody
    hook, _secret = await subscribe_webhook(records, tenant, "https://hooks.example/a")
    picky, _ = await subscribe_webhook(
        records, tenant, "https://hooks.example/b", SubscriptionFilters(min_severity="high")
    )
    high = await raise_alert(store, tenant, severity="high")
    medium = await raise_alert(store, tenant, severity="medium", kind="overdue_action")

    results = await asyncio.gather(*(fan_out(records, tenant) for _ in range(4)))
    await fan_out(records, tenant)

    rows = await deliveries(store, tenant)
    owed = sorted((r["alert_event_id"], r["subscription_id"]) for r in rows)
    assert owed == sorted([(high, hook), (high, picky), (medium, hook)])
    assert sorted(d for new in results for d in new) == sorted(r["delivery_id"] for r in rows)
    assert early not in {r["alert_event_id"] for r in rows}
    assert {r["status"] for r in rows} == {"pending"}


async def test_a_webhook_arrives_signed_with_the_delivery_id_and_is_recorded_once(
    records: Records, store: EventStore, tenant: UUID, http: httpx.AsyncClient
) -> None:
    with webhook_receiver() as receiver:
        subscription_id, secret = await subscribe_webhook(records, tenant, receiver.url)
        receiver.secret = secret
        event_id = await raise_alert(store, tenant)
        [delivery_id] = await fan_out(records, tenant)

        first = await attempt(records, courier(http), tenant, delivery_id)
        again = await attempt(records, courier(http), tenant, delivery_id)

    assert (first.status, again.status) == ("delivered", None)
    [got] = receiver.received
    assert got.verified, "the standardwebhooks library verified the signature"
    assert got.webhook_id == str(delivery_id)
    assert got.payload["data"]["kind"] == "statutory_deadline"
    assert got.payload["data"]["event_id"] == str(event_id)
    [row] = await deliveries(store, tenant)
    assert (row["status"], row["attempts"], row["subscription_id"]) == (
        "delivered",
        1,
        subscription_id,
    )
    assert row["delivered_at"] is not None


async def test_failures_back_off_then_succeed_keeping_the_last_error(
    records: Records, store: EventStore, tenant: UUID, http: httpx.AsyncClient
) -> None:
    with webhook_receiver(fail_first=1) as receiver:
        _subscription, receiver.secret = await subscribe_webhook(records, tenant, receiver.url)
        await raise_alert(store, tenant)
        [delivery_id] = await fan_out(records, tenant)
        failed = await attempt(records, courier(http, backoff_seconds=60), tenant, delivery_id)
        [row] = await deliveries(store, tenant)
        assert (failed.status, failed.retry_in) == ("pending", 60)
        assert row["status"] == "pending" and "HTTP 500" in row["last_error"]
        assert row["next_attempt_at"] > datetime.now(UTC) + timedelta(seconds=50)
        assert (
            await attempt(records, courier(http), tenant, delivery_id)
        ).status is None  # not due

        await make_due(store, tenant)
        done = await attempt(records, courier(http), tenant, delivery_id)

    assert done.status == "delivered"
    assert receiver.ids() == {str(delivery_id)} and len(receiver.received) == 2
    [row] = await deliveries(store, tenant)
    assert (row["status"], row["attempts"]) == ("delivered", 2)


async def test_after_the_last_attempt_the_delivery_is_dead_lettered_and_logged(
    records: Records, store: EventStore, tenant: UUID, http: httpx.AsyncClient
) -> None:
    with webhook_receiver(fail_first=99) as receiver:
        _subscription, receiver.secret = await subscribe_webhook(records, tenant, receiver.url)
        await raise_alert(store, tenant)
        [delivery_id] = await fan_out(records, tenant)
        outcomes = []
        with structlog.testing.capture_logs() as logs:
            for _ in range(3):
                outcomes.append((await attempt(records, courier(http), tenant, delivery_id)).status)
                await make_due(store, tenant)
            outcomes.append((await attempt(records, courier(http), tenant, delivery_id)).status)

    assert outcomes == ["pending", "pending", "dead", None]
    [row] = await deliveries(store, tenant)
    assert (row["status"], row["attempts"]) == ("dead", 3)
    assert row["dead_lettered_at"] is not None and "HTTP 500" in row["last_error"]
    dead = [e for e in logs if e["event"] == "alert delivery dead-lettered"]
    assert len(dead) == 1 and dead[0]["log_level"] == "error"


async def test_a_dead_workers_claim_is_taken_over_when_its_lease_ends(
    records: Records, store: EventStore, tenant: UUID, http: httpx.AsyncClient
) -> None:
    with webhook_receiver() as receiver:
        _subscription, receiver.secret = await subscribe_webhook(records, tenant, receiver.url)
        await raise_alert(store, tenant)
        [delivery_id] = await fan_out(records, tenant)
        async with tenant_transaction(store.pool, tenant) as conn:  # a worker claims, then dies
            lost = await delivery_store.claim(conn, tenant, delivery_id, lease_seconds=120)
        assert lost is not None
        assert (await attempt(records, courier(http), tenant, delivery_id)).status is None
        await end_leases(store, tenant)
        done = await attempt(records, courier(http), tenant, delivery_id)
        async with tenant_transaction(store.pool, tenant) as conn:  # its late word is ignored
            assert not await delivery_store.finish(conn, tenant, lost, "pending", "too late")

    assert done.status == "delivered"
    assert [r.webhook_id for r in receiver.received] == [str(delivery_id)]
    [row] = await deliveries(store, tenant)
    assert (row["status"], row["attempts"], row["last_error"]) == ("delivered", 2, None)


async def test_a_worker_dying_in_the_last_attempt_leaves_a_dead_letter_not_a_loop(
    records: Records, store: EventStore, tenant: UUID, http: httpx.AsyncClient
) -> None:
    with webhook_receiver() as receiver:
        _subscription, receiver.secret = await subscribe_webhook(records, tenant, receiver.url)
        await raise_alert(store, tenant)
        [delivery_id] = await fan_out(records, tenant)
        async with tenant_transaction(store.pool, tenant) as conn:
            await delivery_store.claim(conn, tenant, delivery_id, lease_seconds=120)
        await end_leases(store, tenant)
        done = await attempt(records, courier(http, max_attempts=1), tenant, delivery_id)

    assert done.status == "dead" and receiver.received == []
    [row] = await deliveries(store, tenant)
    assert row["status"] == "dead" and "worker stopped" in row["last_error"]


async def test_a_cancelled_subscription_is_sent_nothing_more(
    records: Records, store: EventStore, tenant: UUID, http: httpx.AsyncClient
) -> None:
    with webhook_receiver() as receiver:
        subscription_id, receiver.secret = await subscribe_webhook(records, tenant, receiver.url)
        await raise_alert(store, tenant)
        [delivery_id] = await fan_out(records, tenant)
        await cancel(records, tenant, subscription_id)
        await raise_alert(store, tenant)  # after the cancellation: not owed at all
        assert await fan_out(records, tenant) == []
        done = await attempt(records, courier(http), tenant, delivery_id)

    assert done.status == "cancelled"
    assert receiver.received == []


async def test_high_severity_is_mailed_at_once_and_the_day_in_a_digest(
    records: Records, store: EventStore, tenant: UUID, http: httpx.AsyncClient
) -> None:
    with smtp_sink() as sink:
        smtp = SmtpConfig(host=sink.host, port=sink.port, sender="alerts@caretrail.example")
        mailer = courier(http, smtp=smtp)
        immediate = await subscribe_email(records, tenant, "lead@sunrise.example", ("immediate",))
        digest = await subscribe_email(records, tenant, "ops@sunrise.example", ("daily_digest",))
        await raise_alert(store, tenant, severity="high")
        await raise_alert(store, tenant, severity="low", kind="audit_overdue")
        owed = await fan_out(records, tenant)
        today = datetime.now(ENGLAND).date()
        owed_digest = await owe_digests(records, tenant, today)
        assert await owe_digests(records, tenant, today) == []  # one digest a day
        assert await owe_digests(records, tenant, today - timedelta(days=1)) == []  # no alerts
        for delivery_id in [*owed, *owed_digest]:
            assert (await attempt(records, mailer, tenant, delivery_id)).status == "delivered"

    by_recipient = {m["To"]: m for m in sink.messages}
    assert sorted(by_recipient) == ["lead@sunrise.example", "ops@sunrise.example"]
    assert by_recipient["lead@sunrise.example"]["Subject"].startswith("[caretrail] HIGH alert")
    digest_text = by_recipient["ops@sunrise.example"].get_payload()
    assert "HIGH: A high alert" in digest_text and "LOW: A low alert" in digest_text
    rows = {r["subscription_id"]: r for r in await deliveries(store, tenant)}
    assert (rows[immediate]["purpose"], rows[digest]["purpose"]) == ("alert", "digest")
    assert rows[digest]["digest_day"] == today


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
async def test_mail_logs_in_to_the_smtp_server_and_a_refused_login_is_retried(
    records: Records, store: EventStore, tenant: UUID, http: httpx.AsyncClient
) -> None:
    with smtp_sink(login=("caretrail", "s3cret")) as sink:
        wrong = SmtpConfig(host=sink.host, port=sink.port, user="caretrail", password="guess")
        right = SmtpConfig(host=sink.host, port=sink.port, user="caretrail", password="s3cret")
        await subscribe_email(records, tenant, "lead@sunrise.example", ("immediate",))
        await raise_alert(store, tenant)
        [delivery_id] = await fan_out(records, tenant)
        refused = await attempt(records, courier(http, smtp=wrong), tenant, delivery_id)
        [row] = await deliveries(store, tenant)
        await make_due(store, tenant)
        accepted = await attempt(records, courier(http, smtp=right), tenant, delivery_id)

    assert (refused.status, accepted.status) == ("pending", "delivered")
    assert "SMTPAuthenticationError" in row["last_error"]
    assert [m["To"] for m in sink.messages] == ["lead@sunrise.example"]


async def test_without_an_smtp_server_mail_is_retried_then_dead_lettered(
    records: Records, store: EventStore, tenant: UUID, http: httpx.AsyncClient
) -> None:
    await subscribe_email(records, tenant, "lead@sunrise.example", ("immediate",))
    await raise_alert(store, tenant)
    [delivery_id] = await fan_out(records, tenant)
    for _ in range(2):
        assert (await attempt(records, courier(http), tenant, delivery_id)).status == "pending"
        await make_due(store, tenant)
    assert (await attempt(records, courier(http), tenant, delivery_id)).status == "dead"
    [row] = await deliveries(store, tenant)
    assert "SMTP" in row["last_error"]


async def test_delivery_rows_are_invisible_to_other_tenants(
    records: Records, store: EventStore, tenant: UUID
) -> None:
    await subscribe_webhook(records, tenant, "https://hooks.example/a")
    await raise_alert(store, tenant)
    assert len(await fan_out(records, tenant)) == 1
    other = uuid4()
    async with tenant_transaction(store.pool, other) as conn:
        seen = await conn.fetchval("SELECT count(*) FROM alert_deliveries")
        checkpoints = await conn.fetchval("SELECT count(*) FROM alert_delivery_checkpoints")
        with pytest.raises(Exception, match="row-level security"):
            await conn.execute(
                "INSERT INTO alert_deliveries (tenant_id, delivery_id, subscription_id, channel,"
                " purpose, alert_event_id) VALUES ($1, $2, $2, 'webhook', 'alert', $2)",
                tenant,
                uuid4(),
            )
    assert (seen, checkpoints) == (0, 0)


async def test_the_sweep_fans_out_and_resends_what_is_due_until_it_is_done(
    records: Records,
    store: EventStore,
    tenant: UUID,
    http: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from workers import delivery as actors

    sent: list[UUID] = []
    monkeypatch.setattr(actors, "_send_all", lambda _tenant, ids: sent.extend(ids))
    with webhook_receiver() as receiver:
        _subscription, receiver.secret = await subscribe_webhook(records, tenant, receiver.url)
        await raise_alert(store, tenant)
        [delivery_id] = await actors.sweep_tenant(records, tenant)  # fanned out, sent
        assert await actors.sweep_tenant(records, tenant) == [delivery_id]  # message lost: again
        async with tenant_transaction(store.pool, tenant) as conn:  # a worker dies mid-send
            await delivery_store.claim(conn, tenant, delivery_id, lease_seconds=120)
        assert await actors.sweep_tenant(records, tenant) == []  # leased: left alone
        await end_leases(store, tenant)
        assert await actors.sweep_tenant(records, tenant) == [delivery_id]  # lease over
        assert (await attempt(records, courier(http), tenant, delivery_id)).status == "delivered"
        assert await actors.sweep_tenant(records, tenant) == []

    assert sent == [delivery_id] * 3
