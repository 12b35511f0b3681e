"""Who is calling: the Principal a bearer credential resolves to (services/identities/
authentication.py says which credentials are accepted), bound to the request's log lines;
development tokens."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import jwt
import structlog
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException

from eventstore.binding import Binding
from services.http.authorization import GROUP_WIDE_ROLES
from services.kernel.errors import RecordNotFound

ISSUER = "caretrail-dev"
ALGORITHM = "HS256"
PROVIDER_ROLES = ("group_admin", "quality_lead", "home_manager", "staff")
__all__ = [
    "GROUP_WIDE_ROLES",
    "PROVIDER_ROLES",
    "Principal",
    "TokenRefused",
    "authenticated",
    "current_principal",
    "mint_token",
]


class TokenRefused(Exception):
    """The credential is not one this deployment accepts (the message says why, for the 401)."""


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: UUID
    organisation_id: UUID
    organisation_kind: str
    roles: tuple[str, ...]
    location_ids: tuple[UUID, ...]
    #: External viewers only: the provider group this request reads (services/access/viewer.py).
    viewing: UUID | None = None

    @property
    def tenant_id(self) -> UUID:
        """A provider user's tenant is their provider group; an external viewer's is the group
        the request reads (its own organisation, matching no provider's rows, when none)."""
        return self.viewing if self.viewing is not None else self.organisation_id

    @property
    def binding(self) -> Binding:
        """Whom this caller's reads are bound as under row-level security: an external viewer
        reading a provider group as its organisation (its grants decide what it sees), anyone
        else as their tenant (an external viewer's own is its organisation: its users)."""
        if self.external and self.viewing is not None:
            return Binding.external(self.organisation_id)
        return Binding.tenant(self.tenant_id)

    @property
    def external(self) -> bool:
        """A local authority or regulator user: reads granted homes only, never writes."""
        return self.organisation_kind in ("local_authority", "regulator")

    @property
    def group_wide(self) -> bool:
        return bool(GROUP_WIDE_ROLES.intersection(self.roles))

    @property
    def scope(self) -> Sequence[UUID] | None:
        """The homes this caller may see; None means every home of the group."""
        return None if self.group_wide else self.location_ids

    def require_location(
        self, location_id: UUID | None, collection: str, record_id: object
    ) -> None:
        """Out-of-scope records answer exactly like missing ones: 404, nothing disclosed."""
        if location_id is None and self.external:
            raise RecordNotFound(collection, record_id)  # grants are of homes only
        if self.group_wide or location_id is None:
            return
        if location_id not in self.location_ids:
            raise RecordNotFound(collection, record_id)


def mint_token(
    signing_key: str,
    *,
    user_id: UUID,
    organisation_id: UUID,
    organisation_kind: str,
    roles: Sequence[str],
    location_ids: Sequence[UUID],
    lifetime: timedelta = timedelta(hours=12),
    now: datetime | None = None,
) -> str:
    issued = now or datetime.now(UTC)
    claims = {
        "iss": ISSUER,
        "sub": str(user_id),
        "org": str(organisation_id),
        "org_kind": organisation_kind,
        "roles": list(roles),
        "locations": [str(x) for x in location_ids],
        "iat": issued,
        "nbf": issued,
        "exp": issued + lifetime,
    }
    return jwt.encode(claims, signing_key, algorithm=ALGORITHM)


def decode_token(signing_key: str, token: str) -> Principal:
    """A `caretrail token` development token (HS256 under the dev key; never in production)."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            signing_key,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "iss"]},
        )
        return Principal(
            user_id=UUID(claims["sub"]),
            organisation_id=UUID(claims["org"]),
            organisation_kind=str(claims["org_kind"]),
            roles=tuple(str(r) for r in claims["roles"]),
            location_ids=tuple(UUID(x) for x in claims.get("locations", [])),
        )
    except (jwt.PyJWTError, KeyError, ValueError, TypeError) as exc:
        raise NotAuthorizedException(f"invalid bearer token: {exc}") from None


_RESOLVED = "caretrail.principal"


async def current_principal(request: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """Litestar dependency (and guard helper): the caller, or 401. Resolved once per request."""
    scope: dict[str, Any] = request.scope  # type: ignore[assignment]
    if _RESOLVED not in scope:
        scope[_RESOLVED] = await _resolve(request)
    principal: Principal = scope[_RESOLVED]
    return principal


async def authenticated(connection: ASGIConnection[Any, Any, Any, Any], handler: Any) -> None:
    """Router guard: a route that asks who the caller is answers 401 to a missing or bad
    credential before any of its parameters are read. A route that never asks (the trail's
    public key) is public by construction; the authorization matrix test lists those."""
    if "principal" in handler.parsed_fn_signature.parameters:
        await current_principal(connection)


async def _resolve(request: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise NotAuthorizedException("an Authorization: Bearer <token> header is required")
    authenticator = request.app.state.authenticator  # services/identities/authentication.py
    principal = await authenticator.principal(token.strip(), request.app.state.records)
    structlog.contextvars.bind_contextvars(
        tenant_id=str(principal.organisation_id), user_id=str(principal.user_id)
    )
    return await authenticator.for_request(request, principal)  # type: ignore[no-any-return]
