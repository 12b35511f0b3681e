"""Request and response bodies of `/api-keys`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from services.api_keys.decide import ApiKey
from services.api_keys.events import Access

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class IssueBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: Name
    access: Access


class ApiKeyRead(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    name: str
    access: Access
    prefix: str
    issued_by: UUID
    issued_at: datetime
    revoked_at: datetime | None
    status: str


class IssuedApiKey(msgspec.Struct, frozen=True, kw_only=True):
    """The only answer that ever holds the key: store it now, it cannot be shown again."""

    #: None when the request repeats an earlier Idempotency-Key: the key was shown to that one.
    key: str | None
    api_key: ApiKeyRead


class ApiKeyPage(msgspec.Struct, frozen=True):
    items: list[ApiKeyRead]
    next_cursor: str | None


def render(state: ApiKey) -> ApiKeyRead:
    return ApiKeyRead(
        id=state.id,
        name=state.name,
        access=state.access,
        prefix=state.prefix,
        issued_by=state.issued_by,
        issued_at=state.issued_at,
        revoked_at=state.revoked_at,
        status="revoked" if state.revoked_at else "active",
    )
