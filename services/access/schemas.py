"""Grant request bodies and the read model, with their size and value limits."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from services.access.events import ExternalKind, GrantStatus
from services.access.grants import Grant

Moment = Annotated[datetime, msgspec.Meta(tz=True, description="with a UTC offset")]
Purpose = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]


class GrantBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """`from` defaults to now; `until` is required for a regulator (an inspection ends)."""

    location_id: UUID
    organisation_id: UUID
    purpose: Purpose
    valid_from: Moment | None = msgspec.field(default=None, name="from")
    valid_until: Moment | None = msgspec.field(default=None, name="until")


class RevokeBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    reason: Reason


class GrantRead(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    location_id: UUID
    organisation_id: UUID
    organisation_kind: ExternalKind
    valid_from: datetime = msgspec.field(name="from")
    valid_until: datetime | None = msgspec.field(name="until")
    purpose: str
    granted_at: datetime
    status: GrantStatus
    revoked_at: datetime | None
    revoke_reason: str | None


def render(state: Grant) -> GrantRead:
    return GrantRead(**msgspec.structs.asdict(state))
