"""Past-tense events of identity links: a login linked to a user (its subject is personal, under
the user's key), and unlinked."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from services.kernel.events import Event


class IdentityLinked(Event, frozen=True, kw_only=True):
    personal: ClassVar[tuple[str, ...]] = ("subject",)
    subject_field: ClassVar[str | None] = "user_id"

    link_id: UUID
    user_id: UUID
    issuer: str
    subject: str
    #: Keyed digest of issuer and subject, for finding the link without storing the subject.
    digest: str


class IdentityUnlinked(Event, frozen=True, kw_only=True):
    reason: str


EVENTS: tuple[type[Event], ...] = (IdentityLinked, IdentityUnlinked)
