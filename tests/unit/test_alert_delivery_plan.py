"""What alert delivery owes, when it retries, and what it sends: pure, no database, no network."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import msgspec
import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from services.alerts.delivery_email import digest_mail, immediate_mail
from services.alerts.delivery_plan import (
    AlertEvent,
    AlertRecord,
    RaisedAlert,
    SubscriptionTarget,
    alert_delivery_id,
    digest_window,
    in_digest,
    owed_now,
    retry_delay,
    webhook_payload,
)
from services.alerts.delivery_webhook import PrivateDestination, check_destination, signed_headers
from services.alerts.subscriptions import Subscription, SubscriptionFilters
from services.alerts.subscriptions_controller import new_secret
from workers.delivery import digest_days

TENANT, HOME = uuid4(), uuid4()
AT = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)


def subscription(channel: str = "webhook", **changes: object) -> Subscription:
    fields: dict[str, object] = {
        "id": uuid4(),
        "channel": channel,
        "name": "s",
        "filters": SubscriptionFilters(),
        "status": "active",
        "created_by": uuid4(),
        "created_at": AT,
    }
    if channel == "webhook":
        fields |= {"url": "https://hooks.example/x", "secret": new_secret()}
    else:
        fields |= {"address": "q@example.org", "modes": ("immediate",)}
    return Subscription(**(fields | changes))  # type: ignore[arg-type]


def alert(seq: int, severity: str = "high", kind: str = "statutory_deadline") -> AlertEvent:
    raised = RaisedAlert(
        alert_id=uuid4(),
        kind=kind,
        severity=severity,
        title="Notification to CQC is due",
        detail="Incident INC-000004 needs a statutory notification by 12 Mar.",
        location_id=HOME,
        location_ids=(HOME,),
        records=(AlertRecord(collection="incidents", id="x", url="/api/v1/incidents/x"),),
        raised_at=AT,
    )
    return AlertEvent(uuid4(), seq, AT + timedelta(seconds=seq), raised)


def test_each_subscription_active_at_the_alert_is_owed_one_delivery_with_a_stable_id() -> None:
    hook = SubscriptionTarget(subscription(), created_seq=10)
    later = SubscriptionTarget(subscription(), created_seq=30)
    gone = SubscriptionTarget(subscription(), created_seq=5, cancelled_seq=15)
    event = alert(20)
    owed = owed_now(TENANT, [event], [hook, later, gone])
    assert [o.subscription_id for o in owed] == [hook.subscription.id]
    assert owed[0].delivery_id == alert_delivery_id(TENANT, event.event_id, hook.subscription.id)
    assert owed_now(TENANT, [event], [hook]) == owed  # the same fan-out names the same delivery


def test_immediate_mail_is_for_high_severity_and_digest_only_subscribers_get_none() -> None:
    immediate = SubscriptionTarget(subscription("email"), created_seq=0)
    digest_only = SubscriptionTarget(subscription("email", modes=("daily_digest",)), created_seq=0)
    high, medium = alert(1, "high"), alert(2, "medium", "overdue_action")
    owed = owed_now(TENANT, [high, medium], [immediate, digest_only])
    assert [(o.subscription_id, o.alert_event_id) for o in owed] == [
        (immediate.subscription.id, high.event_id)
    ]
    assert all(o.channel == "email" and o.purpose == "alert" for o in owed)


def test_the_digest_lists_every_severity_that_passes_the_filters_oldest_first() -> None:
    target = SubscriptionTarget(
        subscription(
            "email",
            modes=("daily_digest",),
            filters=SubscriptionFilters(min_severity="medium"),
        ),
        created_seq=1,
    )
    before, low, medium, high = alert(1), alert(3, "low"), alert(5, "medium"), alert(4)
    assert in_digest(target, [medium, low, high, before]) == [high, medium]
    immediate_only = SubscriptionTarget(subscription("email"), created_seq=0)
    assert in_digest(immediate_only, [high]) == []


def test_backoff_doubles_from_the_base_up_to_the_cap() -> None:
    delays = [retry_delay(n, 30, 600).total_seconds() for n in range(1, 7)]
    assert delays == [30, 60, 120, 240, 480, 600]


def test_a_digest_day_is_a_day_in_england_across_the_clock_change() -> None:
    start, end = digest_window(date(2026, 3, 29))  # clocks go forward at 01:00 GMT
    assert start == datetime(2026, 3, 29, 0, 0, tzinfo=UTC)
    assert end == datetime(2026, 3, 29, 23, 0, tzinfo=UTC)
    assert end - start == timedelta(hours=23)


def test_the_digest_owed_is_yesterdays_once_the_hour_has_come_plus_missed_days() -> None:
    before_seven = datetime(2026, 7, 10, 5, 59, tzinfo=UTC)  # 06:59 in London (BST)
    after_seven = datetime(2026, 7, 10, 6, 0, tzinfo=UTC)
    assert digest_days(before_seven, 7)[-1] == date(2026, 7, 8)
    assert digest_days(after_seven, 7) == [date(2026, 7, 7), date(2026, 7, 8), date(2026, 7, 9)]


def test_the_webhook_is_signed_so_the_standard_webhooks_library_verifies_it() -> None:
    secret, delivery_id, event = new_secret(), uuid4(), alert(7)
    body = webhook_payload(TENANT, event, "https://caretrail.example")
    headers = signed_headers(secret, delivery_id, body, datetime.now(UTC))
    assert headers["webhook-id"] == str(delivery_id)
    payload = Webhook(secret).verify(body, headers)
    assert payload["type"] == "alert.raised"
    assert payload["data"]["alert_id"] == str(event.alert.alert_id)
    assert (
        payload["data"]["url"] == f"https://caretrail.example/api/v1/alerts/{event.alert.alert_id}"
    )
    assert body == webhook_payload(TENANT, event, "https://caretrail.example")  # same every time
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace(b"high", b"low!"), headers)


def test_mail_carries_the_delivery_id_and_the_alerts() -> None:
    delivery_id, event = uuid4(), alert(3)
    mail = immediate_mail(delivery_id, "caretrail@example.org", "q@example.org", event)
    assert mail["Message-ID"] == f"<{delivery_id}@caretrail>"
    assert mail["Subject"].startswith("[caretrail] HIGH alert: Notification to CQC")
    assert "INC-000004" in mail.get_content()
    digest = digest_mail(
        delivery_id, "c@example.org", "q@example.org", date(2026, 3, 10), [event, alert(4)]
    )
    assert "2 alerts raised on 10 Mar 2026" in digest["Subject"]
    assert digest.get_content().count("HIGH: Notification to CQC is due") == 2
    assert msgspec.json.decode(webhook_payload(TENANT, event))["data"]["severity"] == "high"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/x",
        "http://localhost/x",
        "https://10.1.2.3/x",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]:5432/",
    ],
)
async def test_webhooks_to_loopback_private_or_link_local_addresses_are_refused(url: str) -> None:
    with pytest.raises(PrivateDestination):
        await check_destination(url)


async def test_a_public_address_passes_the_destination_check() -> None:
    await check_destination("https://93.184.216.34/hooks")  # a literal: no DNS query
