"""Bearer JWTs from an OpenID Connect provider: signing keys from a JWKS file or URL (cached),
the algorithm pinned to the configured list, and `exp`, `nbf`, `aud`, `iss` always checked."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from jwt import PyJWK, PyJWKClient, PyJWKSet

from services.http.principal import TokenRefused

#: Asymmetric algorithms only: a shared-secret (HS*) or `none` token is never an OIDC token.
SUPPORTED_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "ES256", "ES384"})


@dataclass(frozen=True, slots=True)
class OidcConfig:
    issuer: str
    audience: str
    algorithms: tuple[str, ...] = ("RS256", "ES256")
    jwks_file: Path | None = None
    jwks_url: str | None = None
    #: Seconds of clock skew tolerated on exp/nbf/iat.
    leeway: int = 30
    #: Seconds a fetched JWKS is trusted before it is fetched again (unknown `kid` refetches).
    jwks_lifespan: int = 300
    #: Seconds between refetches for unknown kids (a flood of bogus kids cannot hammer the IdP).
    jwks_refetch_cooldown: float = 30

    def __post_init__(self) -> None:
        unknown = set(self.algorithms) - SUPPORTED_ALGORITHMS
        if unknown or not self.algorithms:
            raise ValueError(
                f"OIDC algorithms must be among {sorted(SUPPORTED_ALGORITHMS)}, got {unknown or '[]'}"
            )
        if not self.issuer or not self.audience:
            raise ValueError("the OIDC issuer and audience must both be set")
        if (self.jwks_file is None) == (self.jwks_url is None):
            raise ValueError("set exactly one of the OIDC JWKS file and JWKS URL")


class SigningKeys:
    """The provider's public keys by `kid`: from a file (re-read when it changes) or a URL
    (PyJWT's client: cached for `jwks_lifespan`, refetched when a token names an unknown kid)."""

    def __init__(self, config: OidcConfig) -> None:
        self._file = config.jwks_file
        self._file_state: tuple[float, PyJWKSet] | None = None
        self._client = (
            PyJWKClient(
                config.jwks_url,
                lifespan=config.jwks_lifespan,
                timeout=10,
                cooldown_duration=config.jwks_refetch_cooldown,
            )
            if config.jwks_url
            else None
        )

    async def key_for(self, kid: str | None) -> PyJWK:
        if self._client is not None:
            client = self._client
            try:
                if kid is None:
                    keys = await asyncio.to_thread(client.get_signing_keys)
                    if len(keys) != 1:
                        raise TokenRefused("the token names no key (kid) and the JWKS has several")
                    return keys[0]
                return await asyncio.to_thread(client.get_signing_key, kid)
            except jwt.PyJWKClientError as exc:
                raise TokenRefused(f"no signing key: {exc}") from None
        return self._from_file(kid)

    def _from_file(self, kid: str | None) -> PyJWK:
        assert self._file is not None
        mtime = self._file.stat().st_mtime
        if self._file_state is None or self._file_state[0] != mtime:
            self._file_state = (mtime, PyJWKSet.from_json(self._file.read_text()))
        keys = self._file_state[1].keys
        matching = [k for k in keys if kid is None or k.key_id == kid]
        if len(matching) != 1:
            raise TokenRefused(f"no single signing key in the JWKS file for kid {kid!r}")
        return matching[0]


class OidcVerifier:
    def __init__(self, config: OidcConfig) -> None:
        self.config = config
        self.keys = SigningKeys(config)

    async def claims(self, token: str) -> dict[str, Any]:
        """The verified claims of an OIDC token, or TokenRefused."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise TokenRefused(f"malformed token: {exc}") from None
        algorithm = header.get("alg")
        if algorithm not in self.config.algorithms:
            raise TokenRefused(f"algorithm {algorithm!r} is not accepted")
        key = await self.keys.key_for(header.get("kid"))
        try:
            return jwt.decode(
                token,
                key,
                algorithms=list(self.config.algorithms),
                audience=self.config.audience,
                issuer=self.config.issuer,
                leeway=self.config.leeway,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise TokenRefused(f"invalid token: {exc}") from None
