"""Which credentials a deployment accepts, and the role matrix, without a database."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest
from litestar.exceptions import NotAuthorizedException

from infra.settings import Settings
from services.http.authorization import may
from services.http.principal import Principal, mint_token
from services.identities.authentication import Authenticator, authenticator_for

DEV_KEY = "a-development-signing-key-of-enough-length"


def dev_token(roles: tuple[str, ...] = ("group_admin",)) -> str:
    return mint_token(
        DEV_KEY,
        user_id=uuid4(),
        organisation_id=uuid4(),
        organisation_kind="provider",
        roles=roles,
        location_ids=[],
    )


async def test_development_tokens_are_accepted_in_development() -> None:
    authenticator = authenticator_for(Settings(environment="development"), DEV_KEY)
    principal = await authenticator.principal(dev_token(), records=None)  # type: ignore[arg-type]
    assert principal.roles == ("group_admin",)


async def test_production_refuses_the_development_key() -> None:
    authenticator = authenticator_for(Settings(environment="production"), DEV_KEY)
    assert authenticator.dev_signing_key is None
    with pytest.raises(NotAuthorizedException, match="refused in production"):
        await authenticator.principal(dev_token(), records=None)  # type: ignore[arg-type]


def test_production_fetches_signing_keys_over_https_only() -> None:
    settings = Settings(
        environment="production",
        oidc_issuer="https://idp.example",
        oidc_audience="caretrail",
        oidc_jwks_url="http://idp.example/jwks",
    )
    with pytest.raises(ValueError, match="https"):
        authenticator_for(settings, DEV_KEY)
    secure = settings.with_(oidc_jwks_url="https://idp.example/jwks")
    assert authenticator_for(secure, DEV_KEY).oidc is not None


async def test_without_an_oidc_provider_asymmetric_tokens_are_refused() -> None:
    import jwt
    from cryptography.hazmat.primitives.asymmetric import ec

    token = jwt.encode({"sub": "x"}, ec.generate_private_key(ec.SECP256R1()), algorithm="ES256")
    with pytest.raises(NotAuthorizedException, match="no OpenID Connect provider"):
        await Authenticator(DEV_KEY).principal(token, records=None)  # type: ignore[arg-type]


async def test_a_malformed_api_key_is_refused_before_any_lookup() -> None:
    with pytest.raises(NotAuthorizedException, match="malformed API key"):
        await Authenticator(DEV_KEY).principal("ctk_nothex_x", records=None)  # type: ignore[arg-type]


def principal(*roles: str, user: UUID | None = None, kind: str = "provider") -> Principal:
    return Principal(
        user_id=user or uuid4(),
        organisation_id=uuid4(),
        organisation_kind=kind,
        roles=roles,
        location_ids=(uuid4(),),
    )


@pytest.mark.parametrize(
    ("role", "collection", "action", "allowed"),
    [
        ("group_admin", "users", "create", True),
        ("group_admin", "api-keys", "read", True),
        ("group_admin", "people", "erase", True),
        ("quality_lead", "users", "create", False),
        ("quality_lead", "provider-groups", "change", False),
        ("quality_lead", "audit-templates", "change", True),
        ("quality_lead", "actions", "verify", True),
        ("quality_lead", "api-keys", "read", False),
        ("quality_lead", "people", "erase", False),
        ("home_manager", "audits", "create", True),
        ("home_manager", "actions", "cancel", True),
        ("home_manager", "audit-templates", "change", False),
        ("home_manager", "locations", "create", False),
        ("staff", "incidents", "create", True),
        ("staff", "feedback", "create", True),
        ("staff", "actions", "note", True),
        ("staff", "actions", "verify", False),
        ("staff", "actions", "cancel", False),
        ("staff", "actions", "complete", False),
        ("staff", "incidents", "investigate", False),
        ("staff", "complaints", "create", False),
        ("staff", "actions", "read", True),
        ("staff", "identity-links", "read", False),
        ("group_admin", "access-log", "read", True),
        ("quality_lead", "access-log", "read", True),
        ("home_manager", "access-log", "read", False),
        ("integration_read", "actions", "read", True),
        ("integration_read", "actions", "create", False),
        ("integration_write", "incidents", "create", True),
        ("integration_write", "users", "create", False),
    ],
)
def test_the_role_matrix(role: str, collection: str, action: str, allowed: bool) -> None:
    assert may(principal(role), collection, action) is allowed


def test_staff_may_close_only_their_own_actions() -> None:
    me = uuid4()
    staff = principal("staff", user=me)
    assert may(staff, "actions", "complete", owner_id=me)
    assert may(staff, "actions", "start", owner_id=me)
    assert not may(staff, "actions", "complete", owner_id=uuid4())
    assert not may(staff, "actions", "cancel", owner_id=me)
    assert not may(staff, "actions", "verify", owner_id=uuid4())


def test_external_viewers_only_read() -> None:
    viewer = principal("group_admin", kind="local_authority")
    assert may(viewer, "incidents", "read")
    assert not may(viewer, "incidents", "create")
    assert not may(viewer, "api-keys", "read")


def test_production_starts_without_a_development_key(tmp_path: Any) -> None:
    import base64
    import os

    from infra.embedded import configured_runtime

    key = base64.b64encode(os.urandom(32)).decode()
    settings = Settings(
        environment="production",
        database_url="postgresql://owner@db.example/caretrail",
        kek=key,
        trail_signing_key=key,
        data_dir=tmp_path,
    )
    runtime = configured_runtime(settings)
    assert authenticator_for(settings, runtime.signing_key).dev_signing_key is None
    assert not (tmp_path / "secrets.json").exists()  # nothing generated in production
