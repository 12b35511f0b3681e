"""Which bearer credentials this deployment accepts, and how each becomes a Principal:

- `ctk_…` API keys of integrations (services/api_keys/);
- OpenID Connect tokens (services/identities/oidc.py), mapped to a registered user through an
  identity link (services/identities/logins.py): caretrail's directory, not the token, says the
  roles and homes, and a deactivated user or a removed link is refused at once;
- `caretrail token` development tokens (HS256 under the dev key), never in production.

An external viewer's principal is then narrowed to the request (services/access/viewer.py).
Every refusal is a 401 problem naming the reason; nothing about other tenants is disclosed.
The composition root puts one Authenticator in `app.state.authenticator`; services/http/
principal.py asks it who is calling."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

import jwt
from litestar.exceptions import NotAuthorizedException

from services.access.viewer import external_principal
from services.api_keys import credentials as api_keys
from services.api_keys.decide import KEY_PREFIX
from services.http.principal import Principal, TokenRefused, decode_token
from services.identities import logins
from services.identities.oidc import OidcConfig, OidcVerifier

if TYPE_CHECKING:
    from services.kernel.handling import Records


@dataclass(frozen=True, slots=True)
class Authenticator:
    #: None in production: development tokens are refused there.
    dev_signing_key: str | None
    oidc: OidcVerifier | None = None
    #: The OIDC claim naming the caretrail provider group (tenant) the user belongs to.
    tenant_claim: str = "caretrail_tenant"

    async def principal(self, token: str, records: Records) -> Principal:
        try:
            return await self._resolve(token, records)
        except TokenRefused as exc:
            raise NotAuthorizedException(str(exc)) from None

    async def for_request(self, connection: Any, principal: Principal) -> Principal:
        """`principal` as it stands for this request: an external viewer's is narrowed to the
        provider and the granted homes the request is about."""
        if principal.external:
            return await external_principal(connection, principal)  # type: ignore[no-any-return]
        return principal

    async def _resolve(self, token: str, records: Records) -> Principal:
        if token.startswith(KEY_PREFIX):
            return await api_keys.principal_for(records, token)
        try:
            algorithm = jwt.get_unverified_header(token).get("alg")
        except jwt.PyJWTError as exc:
            raise TokenRefused(f"malformed bearer token: {exc}") from None
        if algorithm == "HS256":
            if self.dev_signing_key is None:
                raise TokenRefused("development tokens are refused in production")
            return decode_token(self.dev_signing_key, token)
        if self.oidc is None:
            raise TokenRefused(f"no OpenID Connect provider is configured for {algorithm!r}")
        claims = await self.oidc.claims(token)
        tenant = claims.get(self.tenant_claim)
        try:
            tenant_id = UUID(str(tenant))
        except ValueError:
            raise TokenRefused(f"the token's {self.tenant_claim!r} claim is missing") from None
        return await logins.principal_for(
            records, tenant_id, str(claims["iss"]), str(claims["sub"])
        )


def authenticator_for(settings: Any, dev_signing_key: str) -> Authenticator:
    """From the settings' authentication section; production never accepts the dev key."""
    oidc = None
    url = settings.oidc_jwks_url
    if settings.production and url and not url.startswith("https://"):
        raise ValueError("in production the OIDC JWKS URL must be https:// (keys are trusted)")
    if settings.oidc_issuer:
        oidc = OidcVerifier(
            OidcConfig(
                issuer=settings.oidc_issuer,
                audience=settings.oidc_audience or "",
                algorithms=settings.oidc_algorithms,
                jwks_file=settings.oidc_jwks_file,
                jwks_url=settings.oidc_jwks_url,
                leeway=settings.oidc_leeway_seconds,
            )
        )
    return Authenticator(
        dev_signing_key=None if settings.production else dev_signing_key,
        oidc=oidc,
        tenant_claim=settings.oidc_tenant_claim,
    )
