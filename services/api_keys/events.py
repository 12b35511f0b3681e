"""Past-tense events of API keys: issued (only the secret's digest is kept) and revoked."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from services.kernel.events import Event

Access = Literal["read", "write"]


class ApiKeyIssued(Event, frozen=True, kw_only=True):
    key_id: UUID
    name: str
    access: Access
    prefix: str
    #: sha256 of the secret part, hex.
    digest: str
    issued_by: UUID
    issued_at: datetime


class ApiKeyRevoked(Event, frozen=True, kw_only=True):
    reason: str
    revoked_by: UUID
    revoked_at: datetime


EVENTS: tuple[type[Event], ...] = (ApiKeyIssued, ApiKeyRevoked)
