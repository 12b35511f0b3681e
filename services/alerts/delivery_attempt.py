"""One attempt at one delivery: claim it, send it over its channel, record what happened.

The claim commits before anything is sent, so a worker killed while sending leaves a leased
`sending` row that becomes due again when the lease ends: nothing is lost, and the retry carries
the same delivery id (webhook-id, Message-ID) for the receiver to recognise. A failure is tried
again after an exponential backoff; after the last attempt the delivery is dead-lettered: status
`dead`, visible at `GET /api/v1/subscriptions/{id}/deliveries`, and logged as an error.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any
from uuid import UUID

import httpx
import structlog

from eventstore.connection import tenant_transaction
from services.alerts import delivery_email, delivery_store
from services.alerts import delivery_sources as sources
from services.alerts.delivery_email import SmtpConfig
from services.alerts.delivery_plan import (
    SubscriptionTarget,
    digest_window,
    in_digest,
    retry_delay,
    webhook_payload,
)
from services.alerts.delivery_store import Claim
from services.alerts.delivery_webhook import post_webhook
from services.kernel.handling import Records

log = structlog.get_logger()

MailSender = Callable[[SmtpConfig, EmailMessage], Awaitable[None]]


class NotDeliverable(Exception):
    """Nothing can be sent: no SMTP server configured, the alert event is gone, the secret was
    erased. Retried like any failure (a configuration can be fixed), then dead-lettered."""


@dataclass(frozen=True, slots=True)
class DeliveryConfig:
    max_attempts: int = 8
    backoff_seconds: float = 30.0
    backoff_cap_seconds: float = 3600.0
    #: How long a claimed attempt may take before another worker may take it over.
    lease_seconds: float = 120.0
    webhook_timeout_seconds: float = 10.0
    #: Allow webhooks to loopback and private addresses (development and tests only).
    webhook_allow_private: bool = False
    #: Prefixed to the API paths in payloads and mails (e.g. https://caretrail.example.org).
    public_url: str = ""
    smtp: SmtpConfig | None = None


@dataclass(frozen=True, slots=True)
class Attempted:
    """What an attempt recorded: `delivered`, `pending` (retry in `retry_in` seconds), `dead`,
    `cancelled`; or None when there was nothing to attempt (not due, or taken by another)."""

    delivery_id: UUID
    status: str | None
    retry_in: float | None = None


@dataclass(slots=True)
class Courier:
    """Carries deliveries over webhooks and SMTP with what they need (an HTTP client, SMTP)."""

    config: DeliveryConfig
    http: httpx.AsyncClient
    send_mail: MailSender = field(default=delivery_email.send_mail)

    async def send(
        self, tenant_id: UUID, claimed: Claim, target: SubscriptionTarget, content: Any
    ) -> None:
        subscription, public = target.subscription, self.config.public_url
        if claimed.channel == "webhook":
            if not subscription.url or not (subscription.secret or "").startswith("whsec_"):
                raise NotDeliverable("the webhook's URL or signing secret is not readable")
            body = webhook_payload(tenant_id, content, public)
            await post_webhook(
                self.http,
                subscription.url,
                subscription.secret or "",
                claimed.delivery_id,
                body,
                allow_private=self.config.webhook_allow_private,
            )
            return
        if self.config.smtp is None:
            raise NotDeliverable("no SMTP server is configured (CARETRAIL_SMTP_HOST)")
        sender, to = self.config.smtp.sender, subscription.address or ""
        if claimed.purpose == "digest":
            assert claimed.digest_day is not None
            message = delivery_email.digest_mail(
                claimed.delivery_id, sender, to, claimed.digest_day, content, public
            )
        else:
            message = delivery_email.immediate_mail(
                claimed.delivery_id, sender, to, content, public
            )
        await self.send_mail(self.config.smtp, message)


async def _content(
    records: Records, conn: Any, tenant_id: UUID, claimed: Claim, target: SubscriptionTarget
) -> Any:
    if claimed.purpose == "digest":
        assert claimed.digest_day is not None
        start, end = digest_window(claimed.digest_day)
        return in_digest(
            target, await sources.alerts_recorded(records, conn, tenant_id, start, end)
        )
    assert claimed.alert_event_id is not None
    return await sources.alert_event(records, conn, tenant_id, claimed.alert_event_id)


async def attempt(
    records: Records, courier: Courier, tenant_id: UUID, delivery_id: UUID
) -> Attempted:
    config = courier.config
    async with tenant_transaction(records.store.pool, tenant_id) as conn:
        claimed = await delivery_store.claim(conn, tenant_id, delivery_id, config.lease_seconds)
        if claimed is None:
            return Attempted(delivery_id, None)
        target = await sources.subscription_target(
            records, conn, tenant_id, claimed.subscription_id
        )
        content = await _content(records, conn, tenant_id, claimed, target) if target else None
    if claimed.attempt > config.max_attempts:
        return await _record(
            records, tenant_id, claimed, "dead", "a worker stopped during the last attempt"
        )
    if target is None or target.subscription.status == "cancelled":
        return await _record(
            records, tenant_id, claimed, "cancelled", "the subscription was cancelled"
        )
    try:
        if content is None:
            raise NotDeliverable("the alert event is not in the log")
        await courier.send(tenant_id, claimed, target, content)
    except Exception as exc:  # any failure to send is this attempt's failure, retried
        error = f"{type(exc).__name__}: {exc}"
        if claimed.attempt >= config.max_attempts:
            return await _record(records, tenant_id, claimed, "dead", error)
        delay = retry_delay(claimed.attempt, config.backoff_seconds, config.backoff_cap_seconds)
        return await _record(records, tenant_id, claimed, "pending", error, delay.total_seconds())
    return await _record(records, tenant_id, claimed, "delivered")


async def _record(
    records: Records,
    tenant_id: UUID,
    claimed: Claim,
    status: str,
    error: str | None = None,
    retry_in: float | None = None,
) -> Attempted:
    """Write the attempt's outcome and log it; nothing is written if the lease ran out and a
    later attempt took the delivery over meanwhile (that attempt's outcome stands)."""
    async with tenant_transaction(records.store.pool, tenant_id) as conn:
        written = await delivery_store.finish(conn, tenant_id, claimed, status, error, retry_in)
    bound = log.bind(
        tenant_id=str(tenant_id),
        delivery_id=str(claimed.delivery_id),
        subscription_id=str(claimed.subscription_id),
        attempt=claimed.attempt,
    )
    if not written:
        bound.warning("alert delivery outcome superseded by a later attempt", outcome=status)
        return Attempted(claimed.delivery_id, None)
    if status == "dead":
        bound.error("alert delivery dead-lettered", error=error)
    elif status == "pending":
        bound.warning("alert delivery failed, will retry", error=error, retry_in=retry_in)
    else:
        bound.info(f"alert delivery {status}", channel=claimed.channel, purpose=claimed.purpose)
    return Attempted(claimed.delivery_id, status, retry_in)
