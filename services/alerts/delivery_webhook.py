"""Webhook delivery signed per the Standard Webhooks specification, with its reference library.

`webhook-id` is the delivery id: it stays the same on every attempt, so a receiver that saw a
delivery already (a worker died after sending, before recording it) can tell and drop it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from datetime import UTC, datetime
from urllib.parse import urlsplit
from uuid import UUID

import httpx
from standardwebhooks.webhooks import Webhook

#: A reply body is quoted in `last_error` up to this many characters.
_QUOTED = 200


class WebhookRefused(Exception):
    """The endpoint answered, but not with a 2xx."""


class PrivateDestination(Exception):
    """The URL's host is on a loopback, private, link-local or reserved address: refused unless
    allowed (development), so a tenant cannot make the server call its own internal services."""


async def check_destination(url: str) -> None:
    """Resolve the URL's host and refuse it if any address is not a public one."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise PrivateDestination(f"{host} resolves to a non-public address ({address})")


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
    client: httpx.AsyncClient,
    url: str,
    secret: str,
    delivery_id: UUID,
    body: bytes,
    allow_private: bool = False,
) -> int:
    """POST the signed body (signed now: receivers refuse stale timestamps); the status if 2xx.
    Redirects are not followed (a redirect could lead anywhere, a private address included)."""
    if not allow_private:
        await check_destination(url)
    headers = signed_headers(secret, delivery_id, body, datetime.now(UTC))
    response = await client.post(url, content=body, headers=headers)
    if not response.is_success:
        raise WebhookRefused(f"HTTP {response.status_code}: {response.text[:_QUOTED]}")
    return response.status_code
