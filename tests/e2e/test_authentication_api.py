"""Authentication over real HTTP: API keys (issued once, hashed, scoped, revocable) and OpenID
Connect tokens from a JWKS file on a production-mode app, mapped to registered users."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import jwt
import pytest
import pytest_asyncio
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from infra.app import create_app
from infra.database import asyncpg_dsn
from tests.e2e.conftest import Group, LiveApi

ISSUER = "https://login.example.org/realms/care"
AUDIENCE = "caretrail"
IDP_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ROGUE_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def feedback(group: Group) -> dict[str, Any]:
    return {"location_id": str(group.homes[0]), "kind": "compliment", "summary": "Kind staff"}


async def issue(http: httpx.AsyncClient, group: Group, access: str) -> dict[str, Any]:
    response = await http.post(
        "/api-keys", json={"name": f"{access} integration", "access": access}, headers=group.auth()
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_an_api_key_is_shown_once_stored_hashed_scoped_and_revocable(
    http: httpx.AsyncClient, group: Group, other_group: Group, live_api: LiveApi
) -> None:
    issued = await issue(http, group, "read")
    key, key_id = issued["key"], issued["api_key"]["id"]
    assert key.startswith(issued["api_key"]["prefix"]) and len(key) > 100
    # Listed and read back without the key or its digest.
    listed = await http.get("/api-keys", headers=group.auth())
    assert listed.status_code == 200
    assert key_id in {item["id"] for item in listed.json()["items"]}
    assert key.split("_", 3)[3] not in listed.text
    assert "digest" not in listed.text
    read = await http.get(f"/api-keys/{key_id}", headers=group.auth())
    assert read.json()["status"] == "active" and "key" not in read.json()
    # Only the secret's SHA-256 is stored anywhere in the database.
    conn = await asyncpg.connect(asyncpg_dsn(live_api.database.superuser))
    try:
        secret = key.split("_", 3)[3]
        dump = await conn.fetchval(
            "SELECT string_agg(data::text || coalesce(metadata::text, ''), '') FROM events"
            " WHERE tenant_id = $1",
            group.tenant_id,
        )
        index = await conn.fetchval(
            "SELECT string_agg(summary::text, '') FROM records WHERE tenant_id = $1",
            group.tenant_id,
        )
    finally:
        await conn.close()
    assert secret not in dump and secret not in index

    # A read key reads the whole group, and nothing of another group; it cannot write.
    assert (await http.get("/feedback", headers=bearer(key))).status_code == 200
    foreign = await http.get(f"/locations/{other_group.homes[0]}", headers=bearer(key))
    assert foreign.status_code == 404
    refused = await http.post("/feedback", json=feedback(group), headers=bearer(key))
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    # A write key writes records, but never administration.
    writer = (await issue(http, group, "write"))["key"]
    created = await http.post("/feedback", json=feedback(group), headers=bearer(writer))
    assert created.status_code == 201, created.text
    user = {"name": "X", "email": "x@example.org", "roles": ["staff"], "location_ids": []}
    assert (await http.post("/users", json=user, headers=bearer(writer))).status_code == 403
    assert (await http.get("/api-keys", headers=bearer(writer))).status_code == 403

    # A tampered secret, or a key presented as another tenant's, is refused.
    tampered = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    assert (await http.get("/feedback", headers=bearer(tampered))).status_code == 401
    moved = key.replace(group.tenant_id.hex, other_group.tenant_id.hex)
    assert (await http.get("/feedback", headers=bearer(moved))).status_code == 401

    # Revoked: refused from the next request on, and revoking twice is a conflict.
    revoked = await http.delete(f"/api-keys/{key_id}", headers=group.auth())
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    after = await http.get("/feedback", headers=bearer(key))
    assert after.status_code == 401 and "revoked" in after.json()["detail"]
    assert (await http.delete(f"/api-keys/{key_id}", headers=group.auth())).status_code == 409


async def test_only_group_admins_manage_api_keys(http: httpx.AsyncClient, group: Group) -> None:
    for role in ("quality_lead", "home_manager", "staff"):
        body = {"name": "mine", "access": "write"}
        response = await http.post("/api-keys", json=body, headers=group.auth(role))
        assert response.status_code == 403, role
        assert (await http.get("/api-keys", headers=group.auth(role))).status_code == 403


async def test_api_key_issue_is_validated_and_idempotent(
    http: httpx.AsyncClient, group: Group
) -> None:
    bad = await http.post("/api-keys", json={"name": "x", "access": "admin"}, headers=group.auth())
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "access"
    headers = {**group.auth(), "Idempotency-Key": f"issue-{time.monotonic_ns()}"}
    body = {"name": "once", "access": "read"}
    first = await http.post("/api-keys", json=body, headers=headers)
    again = await http.post("/api-keys", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["api_key"]["id"] == first.json()["api_key"]["id"]
    assert first.json()["key"] and again.json()["key"] is None


def _serve(app: Any) -> tuple[uvicorn.Server, threading.Thread, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the API did not start"
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}/api/v1"


@pytest.fixture(scope="module")
def production_api(live_api: LiveApi, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The same database served by an app in production mode that trusts one OIDC provider."""
    jwks = tmp_path_factory.mktemp("oidc") / "jwks.json"
    public = json.loads(RSAAlgorithm.to_jwk(IDP_KEY.public_key()))
    jwks.write_text(json.dumps({"keys": [{**public, "kid": "idp-1", "use": "sig"}]}))
    settings = live_api.database.settings.with_(
        environment="production",
        log_level="WARNING",
        oidc_issuer=ISSUER,
        oidc_audience=AUDIENCE,
        oidc_jwks_file=Path(jwks),
    )
    server, thread, url = _serve(create_app(settings, live_api.runtime))
    yield url
    server.should_exit = True
    thread.join(timeout=10)


@pytest_asyncio.fixture(loop_scope="session")
async def prod(production_api: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=production_api, timeout=30) as client:
        yield client


def oidc_token(tenant: UUID, subject: str, key: Any = IDP_KEY, **changes: Any) -> str:
    now = datetime.now(UTC)
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": subject,
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "caretrail_tenant": str(tenant),
        **changes,
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "idp-1"})


async def test_oidc_logins_map_to_registered_users_whose_directory_entry_decides(
    http: httpx.AsyncClient, prod: httpx.AsyncClient, group: Group, other_group: Group
) -> None:
    subject = f"kc-{time.monotonic_ns()}"
    link = {"user_id": str(group.users["home_manager"]), "issuer": ISSUER, "subject": subject}
    # Linking is a group admin's job.
    denied = await http.post("/identity-links", json=link, headers=group.auth("quality_lead"))
    assert denied.status_code == 403
    linked = await http.post("/identity-links", json=link, headers=group.auth())
    assert linked.status_code == 201, linked.text
    twice = await http.post("/identity-links", json=link, headers=group.auth())
    assert twice.status_code == 422 and twice.json()["errors"][0]["field"] == "subject"

    token = oidc_token(group.tenant_id, subject)
    me = await prod.get("/me", headers=bearer(token))
    assert me.status_code == 200, me.text
    assert me.json()["roles"] == ["home_manager"]
    assert me.json()["location_ids"] == [str(group.homes[0])]
    # The directory, not the token, decides: a manager may not create homes.
    home = {"name": "X", "service_type": "residential", "local_authority": "E1"}
    assert (await prod.post("/locations", json=home, headers=bearer(token))).status_code == 403

    # The same login claiming another provider group is not linked there.
    elsewhere = oidc_token(other_group.tenant_id, subject)
    assert (await prod.get("/me", headers=bearer(elsewhere))).status_code == 401
    # Development tokens are refused in production, whatever they claim.
    dev = await prod.get("/me", headers=group.auth())
    assert dev.status_code == 401 and "production" in dev.json()["detail"]
    # Unlinked: refused on the very next request.
    link_id = linked.json()["id"]
    unlinked = await http.post(
        f"/identity-links/{link_id}/unlink", json={"reason": "left"}, headers=group.auth()
    )
    assert unlinked.status_code == 200
    assert (await prod.get("/me", headers=bearer(token))).status_code == 401


@pytest.mark.parametrize(
    "case",
    ["rogue key", "expired", "not yet valid", "other audience", "other issuer", "alg none"],
)
async def test_bad_oidc_tokens_are_401_problems(
    prod: httpx.AsyncClient, group: Group, case: str
) -> None:
    now = datetime.now(UTC)
    tenant, subject = group.tenant_id, "anyone"
    token = {
        "rogue key": lambda: oidc_token(tenant, subject, key=ROGUE_KEY),
        "expired": lambda: oidc_token(tenant, subject, exp=now - timedelta(minutes=2)),
        "not yet valid": lambda: oidc_token(tenant, subject, nbf=now + timedelta(minutes=5)),
        "other audience": lambda: oidc_token(tenant, subject, aud="another-app"),
        "other issuer": lambda: oidc_token(tenant, subject, iss="https://evil.example"),
        "alg none": lambda: jwt.encode(
            {"iss": ISSUER, "aud": AUDIENCE, "sub": subject, "caretrail_tenant": str(tenant)},
            None,
            algorithm="none",
        ),
    }[case]()
    response = await prod.get("/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 401


async def test_a_deactivated_users_oidc_login_is_refused_at_once(
    http: httpx.AsyncClient, prod: httpx.AsyncClient, fresh_group: Group
) -> None:
    body = {
        "name": "Leaving Carer",
        "email": f"leaving-{time.monotonic_ns()}@example.org",
        "roles": ["staff"],
        "location_ids": [str(fresh_group.homes[1])],
    }
    user = await http.post("/users", json=body, headers=fresh_group.auth())
    assert user.status_code == 201, user.text
    subject = f"kc-leaving-{time.monotonic_ns()}"
    link = {"user_id": user.json()["id"], "issuer": ISSUER, "subject": subject}
    assert (await http.post("/identity-links", json=link, headers=fresh_group.auth())).is_success
    token = oidc_token(fresh_group.tenant_id, subject)
    me = await prod.get("/me", headers=bearer(token))
    assert me.status_code == 200 and me.json()["location_ids"] == [str(fresh_group.homes[1])]
    deactivated = await http.post(
        f"/users/{user.json()['id']}/deactivate",
        json={"reason": "left"},
        headers=fresh_group.auth(),
    )
    assert deactivated.status_code == 200, deactivated.text
    refused = await prod.get("/me", headers=bearer(token))
    assert refused.status_code == 401 and "not active" in refused.json()["detail"]


async def test_an_operator_links_the_first_login_from_the_command_line(
    http: httpx.AsyncClient, prod: httpx.AsyncClient, fresh_group: Group, live_api: LiveApi
) -> None:
    from infra.auth_cli import link_login

    email = f"first-admin-{time.monotonic_ns()}@example.org"
    body = {"name": "First Admin", "email": email, "roles": ["group_admin"], "location_ids": []}
    assert (await http.post("/users", json=body, headers=fresh_group.auth())).status_code == 201
    subject = f"kc-first-{time.monotonic_ns()}"
    linked = json.loads(await link_login(live_api.runtime, email, ISSUER, subject) or "{}")
    assert linked["tenant_id"] == str(fresh_group.tenant_id)
    me = await prod.get("/me", headers=bearer(oidc_token(fresh_group.tenant_id, subject)))
    assert me.status_code == 200 and me.json()["roles"] == ["group_admin"]
    with pytest.raises(ValueError, match="already linked"):
        await link_login(live_api.runtime, email, ISSUER, subject)
    assert await link_login(live_api.runtime, "nobody@example.org", ISSUER, "x") is None


async def test_a_local_authority_officer_signs_in_with_oidc_as_a_read_only_viewer(
    http: httpx.AsyncClient, prod: httpx.AsyncClient, records: Any, live_api: LiveApi, group: Group
) -> None:
    from infra.auth_cli import link_login
    from services.access.organisations import add_external_user, create_external_organisation

    council = await create_external_organisation(
        records, "local_authority", f"Council {time.monotonic_ns()}"
    )
    email = f"officer-{time.monotonic_ns()}@council.example"
    await add_external_user(records, council, "Quality Officer", email)
    subject = f"kc-officer-{time.monotonic_ns()}"
    assert await link_login(live_api.runtime, email, ISSUER, subject)
    token = oidc_token(council, subject)
    overview = await prod.get("/la/overview", headers=bearer(token))
    assert overview.status_code == 200, overview.text
    write = await prod.post("/feedback", json=feedback(group), headers=bearer(token))
    assert write.status_code == 403
