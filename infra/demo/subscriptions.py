"""The demo's alert subscriptions: each group's quality inbox gets a daily digest of its alerts,
and a webhook that was set up and later cancelled shows a subscription's history."""

from __future__ import annotations

from datetime import datetime, timedelta

from infra.demo.driver import Driver, demo_id
from infra.demo.organisations import DemoGroup
from services.alerts.subscriptions import (
    SUBSCRIPTIONS,
    CancelSubscription,
    SubscribeEmail,
    SubscribeWebhook,
    SubscriptionFilters,
)
from services.alerts.subscriptions_controller import new_secret
from services.kernel.handling import Caller


async def seed_subscriptions(driver: Driver, groups: list[DemoGroup], today: datetime) -> None:
    for group in groups:
        slug = "-".join(group.name.lower().split())
        admin = group.admin
        caller = Caller(group.tenant_id, admin.user_id, admin.organisation_id, "demo-seed")
        digest = SubscribeEmail(
            subscription_id=demo_id("subscription", group.tenant_id, "digest"),
            name="Quality inbox: daily digest",
            address=f"quality@{slug}.example",
            modes=("daily_digest",),
            filters=SubscriptionFilters(min_severity="medium"),
        )
        hook = SubscribeWebhook(
            subscription_id=demo_id("subscription", group.tenant_id, "webhook"),
            name="Former on-call pager",
            url=f"https://pager.{slug}.example/caretrail",
            secret=new_secret(),
            filters=SubscriptionFilters(min_severity="high"),
        )
        for command, at in (
            (digest, today - timedelta(days=90)),
            (hook, today - timedelta(days=60)),
        ):
            driver.clock.now = at
            await driver.records.execute(
                caller, SUBSCRIPTIONS, command.subscription_id, command, creating=True
            )
        driver.clock.now = today - timedelta(days=20)
        await driver.records.execute(
            caller,
            SUBSCRIPTIONS,
            hook.subscription_id,
            CancelSubscription(reason="The pager service was replaced."),
        )
