"""A bearer `ctk_…` key to the integration it stands for: found by tenant and key id, the
secret compared by digest (constant time), refused when unknown or revoked."""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING
from uuid import UUID

from eventstore.binding import Binding
from services.api_keys.decide import COLLECTION, KEY_PREFIX
from services.http.principal import Principal, TokenRefused

if TYPE_CHECKING:
    from services.kernel.handling import Records


def _parse(token: str) -> tuple[UUID, UUID, str]:
    parts = token.removeprefix(KEY_PREFIX).split("_", 2)
    try:
        tenant, key, secret = parts
        return UUID(hex=tenant), UUID(hex=key), secret
    except ValueError:
        raise TokenRefused("malformed API key") from None


async def principal_for(records: Records, token: str) -> Principal:
    """The integration this key stands for, or TokenRefused (unknown, wrong, revoked)."""
    tenant_id, key_id, secret = _parse(token)
    row = await records.find(tenant_id, COLLECTION, key_id, binding=Binding.tenant(tenant_id))
    digest = hashlib.sha256(secret.encode()).hexdigest()
    if row is None or not hmac.compare_digest(str(row.summary.get("digest", "")), digest):
        raise TokenRefused("unknown API key")
    if row.status != "active":
        raise TokenRefused("this API key has been revoked")
    return Principal(
        user_id=key_id,
        organisation_id=tenant_id,
        organisation_kind="provider",
        roles=(f"integration_{row.summary['access']}",),
        location_ids=(),
    )
