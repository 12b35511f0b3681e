"""Webhook delivery signed per the Standard Webhooks specification, with its reference library.

`webhook-id` is the delivery id: it stays the same on every attempt, so a receiver that saw a
delivery already (a worker died after sending, before recording it) can tell and drop it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import httpx
from standardwebhooks.webhooks import Webhook

#: A reply body is quoted in `last_error` up to this many characters.
_QUOTED = 200


class WebhookRefused(Exception):
    """The endpoint answered, but not with a 2xx."""


def signed_headers(secret: str, delivery_id: UUID, body: bytes, at: datetime) -> dict[str, str]:
    timestamp = at.astimezone(UTC)
    signature = Webhook(secret).sign(str(delivery_id), timestamp, body.decode())
    return {
        "content-type": "application/json",
        "webhook-id": str(delivery_id),
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature,
        "user-agent": "caretrail-webhooks/1",
    }


async def post_webhook(
    client: httpx.AsyncClient, url: str, secret: str, delivery_id: UUID, body: bytes
) -> int:
    """POST the signed body (signed now: receivers refuse stale timestamps); the status if 2xx."""
    headers = signed_headers(secret, delivery_id, body, datetime.now(UTC))
    response = await client.post(url, content=body, headers=headers)
    if not response.is_success:
        raise WebhookRefused(f"HTTP {response.status_code}: {response.text[:_QUOTED]}")
    return response.status_code
