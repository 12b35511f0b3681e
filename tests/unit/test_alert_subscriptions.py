"""Alert subscriptions, given / when / then over decide and evolve: no database, no clock."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import msgspec
import pytest

from services.alerts.subscriptions import (
    SUBSCRIPTIONS,
    CancelSubscription,
    EmailSubscribed,
    SubscribeEmail,
    SubscribeWebhook,
    Subscription,
    SubscriptionCancelled,
    SubscriptionFilters,
    WebhookSubscribed,
    decide,
    index,
    receives,
)
from services.alerts.subscriptions_controller import new_secret
from services.alerts.subscriptions_schemas import CreateSubscription, render
from services.kernel.decider import Context
from services.kernel.errors import InvalidCommand, InvalidTransition
from services.kernel.events import to_new_event

NOW = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
ADMIN, SUBSCRIPTION, HOME, OTHER_HOME = uuid4(), uuid4(), uuid4(), uuid4()
SECRET = "whsec_" + "A" * 43 + "="


def context() -> Context:
    return Context(actor=ADMIN, now=NOW)


def webhook(**changes: object) -> SubscribeWebhook:
    fields: dict[str, object] = {
        "subscription_id": SUBSCRIPTION,
        "name": "On-call pager",
        "url": "https://pager.example.org/hooks/caretrail",
        "secret": SECRET,
    }
    return SubscribeWebhook(**(fields | changes))  # type: ignore[arg-type]


def email(**changes: object) -> SubscribeEmail:
    fields: dict[str, object] = {
        "subscription_id": SUBSCRIPTION,
        "name": "Quality lead inbox",
        "address": "quality@sunrise.example",
        "modes": ("immediate", "daily_digest"),
    }
    return SubscribeEmail(**(fields | changes))  # type: ignore[arg-type]


def given(*commands: object) -> Subscription | None:
    state: Subscription | None = None
    for command in commands:
        state = SUBSCRIPTIONS.fold(decide(command, state, context()), state)
    return state


def test_a_webhook_subscription_records_its_url_and_secret_and_is_active() -> None:
    events = decide(webhook(url="  https://pager.example.org/x  ", name=" Pager "), None, context())
    assert events == [
        WebhookSubscribed(
            subscription_id=SUBSCRIPTION,
            name="Pager",
            url="https://pager.example.org/x",
            secret=SECRET,
            filters=SubscriptionFilters(),
            created_by=ADMIN,
            created_at=NOW,
        )
    ]
    state = SUBSCRIPTIONS.fold(events)
    assert state is not None
    assert (state.status, state.channel, state.secret) == ("active", "webhook", SECRET)


def test_the_secret_and_address_are_sealed_as_personal_fields_of_the_subscription() -> None:
    stored = to_new_event(decide(webhook(), None, context())[0], None)
    assert stored.personal == {"secret": SECRET}
    assert "secret" not in stored.data
    assert stored.subject_id == SUBSCRIPTION
    mailed = to_new_event(decide(email(), None, context())[0], None)
    assert mailed.personal == {"address": "quality@sunrise.example"}


def test_reading_a_subscription_never_shows_the_secret() -> None:
    state = given(webhook())
    assert state is not None
    rendered = msgspec.to_builtins(render(state))
    assert SECRET not in str(rendered)
    assert SECRET not in str(index(state).summary)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.org/x", "http"),
        ("https:///path-only", "host"),
        ("https://user:pw@example.org/", "password"),
        ("not a url", "http"),
    ],
)
def test_a_webhook_url_must_be_absolute_http_without_credentials(url: str, reason: str) -> None:
    with pytest.raises(InvalidCommand) as refused:
        decide(webhook(url=url), None, context())
    assert refused.value.field == "url"
    assert reason in refused.value.message


def test_an_email_subscription_needs_an_address_and_a_mode() -> None:
    with pytest.raises(InvalidCommand) as bad_address:
        decide(email(address="not-an-address"), None, context())
    assert bad_address.value.field == "address"
    with pytest.raises(InvalidCommand) as no_mode:
        decide(email(modes=()), None, context())
    assert no_mode.value.field == "modes"
    events = decide(email(modes=("daily_digest", "daily_digest")), None, context())
    assert isinstance(events[0], EmailSubscribed)
    assert events[0].modes == ("daily_digest",)


def test_cancelling_records_who_and_when_and_cannot_happen_twice() -> None:
    state = given(email())
    events = decide(CancelSubscription(reason="  "), state, context())
    assert events == [SubscriptionCancelled(reason=None, cancelled_by=ADMIN, cancelled_at=NOW)]
    cancelled = SUBSCRIPTIONS.fold(events, state)
    assert cancelled is not None
    assert (cancelled.status, cancelled.cancelled_at) == ("cancelled", NOW)
    assert index(cancelled).status == "cancelled"
    with pytest.raises(InvalidTransition):
        decide(CancelSubscription(), cancelled, context())
    with pytest.raises(InvalidTransition):
        decide(CancelSubscription(), None, context())


def test_a_subscription_cannot_be_created_twice() -> None:
    with pytest.raises(InvalidTransition):
        decide(webhook(), given(webhook()), context())


def subscribed(filters: SubscriptionFilters) -> Subscription:
    state = given(webhook(filters=filters))
    assert state is not None
    return state


def test_filters_by_kind_severity_and_home() -> None:
    everything = subscribed(SubscriptionFilters())
    assert receives(everything, "overdue_action", "low", [HOME])
    by_kind = subscribed(SubscriptionFilters(kinds=("statutory_deadline",)))
    assert receives(by_kind, "statutory_deadline", "high", [HOME])
    assert not receives(by_kind, "overdue_action", "high", [HOME])
    high_only = subscribed(SubscriptionFilters(min_severity="high"))
    assert receives(high_only, "systemic_failure", "high", [])
    assert not receives(high_only, "overdue_action", "medium", [HOME])
    one_home = subscribed(SubscriptionFilters(location_ids=(HOME,)))
    assert receives(one_home, "overdue_action", "medium", [OTHER_HOME, HOME])
    assert not receives(one_home, "overdue_action", "medium", [OTHER_HOME])
    assert receives(one_home, "systemic_failure", "high", [])  # group-level: every home's


def test_the_create_body_names_the_field_a_channel_is_missing_or_must_not_have() -> None:
    def refused(**body: object) -> str:
        with pytest.raises(InvalidCommand) as error:
            msgspec.convert(body, CreateSubscription).check()
        return error.value.field

    assert refused(channel="webhook", name="x") == "url"
    assert refused(channel="webhook", name="x", url="https://a.example", modes=["immediate"]) == (
        "modes"
    )
    assert refused(channel="email", name="x", modes=["immediate"]) == "address"
    assert refused(channel="email", name="x", address="a@b.example", url="https://a.example") == (
        "url"
    )


def test_generated_secrets_are_standard_webhooks_secrets_and_differ() -> None:
    from standardwebhooks.webhooks import Webhook

    first, second = new_secret(), new_secret()
    assert first != second
    assert first.startswith("whsec_")
    Webhook(first)  # the library accepts it
