"""Access events: a provider grants a home to an external organisation and revokes it; an
external viewer's read leaves a trace in the provider's log (ids only, no personal data)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

import msgspec

from services.kernel.events import Event

ExternalKind = Literal["local_authority", "regulator"]
GrantStatus = Literal["active", "revoked"]


class AccessGranted(Event, frozen=True, kw_only=True):
    grant_id: UUID
    location_id: UUID
    organisation_id: UUID
    organisation_kind: ExternalKind
    valid_from: datetime
    valid_until: datetime | None
    purpose: str
    granted_at: datetime


class AccessRevoked(Event, frozen=True, kw_only=True):
    reason: str
    revoked_at: datetime


class ReadRecord(msgspec.Struct, frozen=True, kw_only=True):
    collection: str
    id: UUID


class ExternalRecordsRead(Event, frozen=True, kw_only=True):
    """One response an external viewer received: who (organisation and user ids), which route,
    and the homes and records it disclosed. Appended to the provider's log, never to theirs."""

    viewer_organisation_id: UUID
    viewer_organisation_kind: ExternalKind
    viewer_user_id: UUID
    method: str
    path: str
    location_ids: tuple[UUID, ...]
    records: tuple[ReadRecord, ...]
    read_at: datetime


GRANT_EVENTS: tuple[type[Event], ...] = (AccessGranted, AccessRevoked)
ACCESS_LOG_STREAM_TYPE = "external-read"
