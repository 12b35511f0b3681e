"""The subscriptions API's bodies: what a group admin sends, and what it reads back."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from services.alerts.subscriptions import (
    AlertKind,
    Channel,
    EmailMode,
    Severity,
    Subscription,
    SubscriptionFilters,
    SubscriptionStatus,
)
from services.kernel.errors import InvalidCommand

Name = Annotated[
    str, msgspec.Meta(min_length=1, max_length=200, description="What this subscription is for")
]
Url = Annotated[str, msgspec.Meta(min_length=1, max_length=2000, description="http(s) endpoint")]
Address = Annotated[str, msgspec.Meta(min_length=3, max_length=254)]


class FiltersBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    kinds: Annotated[list[AlertKind], msgspec.Meta(max_length=20)] = []
    location_ids: Annotated[list[UUID], msgspec.Meta(max_length=500)] = []
    min_severity: Severity = "low"

    def value(self) -> SubscriptionFilters:
        return SubscriptionFilters(
            kinds=tuple(self.kinds),
            location_ids=tuple(self.location_ids),
            min_severity=self.min_severity,
        )


class CreateSubscription(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A webhook (`url`; the signing secret is generated and shown once in the answer) or an
    e-mail subscription (`address`, `modes`: `immediate` mails each high-severity alert at once,
    `daily_digest` mails one list a day)."""

    channel: Channel
    name: Name
    url: Url | None = None
    address: Address | None = None
    modes: Annotated[list[EmailMode], msgspec.Meta(max_length=2)] = []
    filters: FiltersBody | None = None

    def check(self) -> None:
        """The fields each channel needs, and none of the other's (422 naming the field)."""
        if self.channel == "webhook":
            if self.url is None:
                raise InvalidCommand("url", "is required for a webhook subscription")
            for field in ("address", "modes"):
                if getattr(self, field):
                    raise InvalidCommand(field, "is only for e-mail subscriptions")
        else:
            if self.address is None:
                raise InvalidCommand("address", "is required for an e-mail subscription")
            if self.url is not None:
                raise InvalidCommand("url", "is only for webhook subscriptions")


class SubscriptionRead(msgspec.Struct, frozen=True, kw_only=True):
    """A subscription as it stands; the webhook secret is never shown again after creation."""

    channel: Channel
    name: str
    status: SubscriptionStatus
    url: str | None
    address: str | None
    modes: list[EmailMode]
    filters: SubscriptionFilters
    created_by: UUID
    created_at: datetime
    cancelled_at: datetime | None
    cancel_reason: str | None


class SubscriptionResponse(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    version: int
    record: SubscriptionRead


class CreatedSubscription(msgspec.Struct, frozen=True, kw_only=True):
    """The answer to POST: the only time a webhook's `secret` is shown. Verify deliveries with a
    Standard Webhooks library: `Webhook(secret).verify(body, headers)`."""

    id: UUID
    version: int
    record: SubscriptionRead
    secret: str | None


class SubscriptionPage(msgspec.Struct, frozen=True):
    items: list[SubscriptionResponse]
    next_cursor: str | None


DeliveryStatus = Literal["pending", "sending", "delivered", "dead", "cancelled"]


class DeliveryRead(msgspec.Struct, frozen=True, kw_only=True):
    """One delivery: of one alert event (or one day's digest) to one subscription."""

    id: UUID
    purpose: Literal["alert", "digest"]
    alert_event_id: UUID | None
    alert_id: UUID | None
    digest_day: str | None
    status: DeliveryStatus
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None
    dead_lettered_at: datetime | None


class DeliveryPage(msgspec.Struct, frozen=True):
    items: list[DeliveryRead]
    next_cursor: str | None


def render(state: Subscription) -> SubscriptionRead:
    return SubscriptionRead(
        channel=state.channel,
        name=state.name,
        status=state.status,
        url=state.url,
        address=state.address,
        modes=list(state.modes),
        filters=state.filters,
        created_by=state.created_by,
        created_at=state.created_at,
        cancelled_at=state.cancelled_at,
        cancel_reason=state.cancel_reason,
    )
