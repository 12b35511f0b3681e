"""Request and response bodies of `/identity-links`."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec

Text = Annotated[str, msgspec.Meta(min_length=1, max_length=255)]


class LinkBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    user_id: UUID
    #: The provider's issuer URL exactly as in the tokens' `iss`.
    issuer: Text
    #: The user's `sub` at that provider.
    subject: Text


class UnlinkBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]


class IdentityLinkRead(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    user_id: UUID
    issuer: str
    subject: str
    linked: bool
