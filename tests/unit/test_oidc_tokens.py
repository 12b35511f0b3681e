"""OIDC bearer tokens: RS256 and ES256 keys made here, served from a JWKS file and from a local
JWKS URL; every way a token can be wrong is refused, and the right one is accepted."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from services.http.principal import TokenRefused
from services.identities.oidc import OidcConfig, OidcVerifier

ISSUER = "https://login.example.org/realms/care"
AUDIENCE = "caretrail-api"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
OTHER_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwks(*keys: tuple[str, Any]) -> str:
    documents = []
    for kid, private in keys:
        algorithm = ECAlgorithm if isinstance(private, ec.EllipticCurvePrivateKey) else RSAAlgorithm
        document = json.loads(algorithm.to_jwk(private.public_key()))
        documents.append({**document, "kid": kid, "use": "sig"})
    return json.dumps({"keys": documents})


def claims(**changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    body: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-123",
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(days=1),  # built at collection: must outlive a slow suite
        "caretrail_tenant": "6f1f2a52-5c3b-4b55-9a3c-3a1c2d9b0e11",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def sign(key: Any = RSA_KEY, kid: str = "rsa-1", algorithm: str = "RS256", **changes: Any) -> str:
    return jwt.encode(claims(**changes), key, algorithm=algorithm, headers={"kid": kid})


@pytest.fixture
def jwks_file(tmp_path: Path) -> Path:
    path = tmp_path / "jwks.json"
    path.write_text(jwks(("rsa-1", RSA_KEY), ("ec-1", EC_KEY)))
    return path


@pytest.fixture
def verifier(jwks_file: Path) -> OidcVerifier:
    return OidcVerifier(OidcConfig(issuer=ISSUER, audience=AUDIENCE, jwks_file=jwks_file))


class _Jwks(BaseHTTPRequestHandler):
    body = b""
    hits = 0

    def do_GET(self) -> None:
        type(self).hits += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(type(self).body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def jwks_url() -> Iterator[str]:
    _Jwks.body = jwks(("rsa-1", RSA_KEY), ("ec-1", EC_KEY)).encode()
    _Jwks.hits = 0
    server = HTTPServer(("127.0.0.1", 0), _Jwks)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/jwks"
    server.shutdown()
    thread.join()


async def test_rs256_and_es256_tokens_from_a_jwks_file_are_accepted(verifier: OidcVerifier) -> None:
    assert (await verifier.claims(sign()))["sub"] == "user-123"
    es = sign(EC_KEY, "ec-1", "ES256", sub="user-456")
    assert (await verifier.claims(es))["sub"] == "user-456"


async def test_a_jwks_url_is_fetched_once_and_refetched_for_a_new_key(jwks_url: str) -> None:
    config = OidcConfig(
        issuer=ISSUER, audience=AUDIENCE, jwks_url=jwks_url, jwks_refetch_cooldown=0
    )
    verifier = OidcVerifier(config)
    assert (await verifier.claims(sign()))["sub"] == "user-123"
    assert (await verifier.claims(sign(EC_KEY, "ec-1", "ES256")))["sub"] == "user-123"
    assert _Jwks.hits == 1
    # The provider rotates in a new key: a token naming it makes the client fetch again.
    _Jwks.body = jwks(("rsa-2", OTHER_RSA_KEY)).encode()
    assert (await verifier.claims(sign(OTHER_RSA_KEY, "rsa-2")))["sub"] == "user-123"
    assert _Jwks.hits == 2


def _unsigned(payload: dict[str, Any], header: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        raw = json.dumps(value, default=lambda d: int(d.timestamp())).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return f"{part(header)}.{part(payload)}."


@pytest.mark.parametrize(
    ("name", "token", "reason"),
    [
        ("alg none", _unsigned(claims(), {"alg": "none", "kid": "rsa-1"}), "algorithm"),
        ("HS256 with the public key", "HS", "algorithm"),
        ("wrong key", sign(OTHER_RSA_KEY), "Signature verification failed"),
        ("unknown kid", sign(kid="nope"), "no single signing key"),
        ("RS256 token under the EC key id", sign(RSA_KEY, "ec-1"), "algorithm"),
        ("expired", sign(exp=datetime.now(UTC) - timedelta(minutes=5)), "expired"),
        ("not yet valid", sign(nbf=datetime.now(UTC) + timedelta(hours=12)), "not yet valid"),
        ("other audience", sign(aud="someone-else"), "(?i)audience"),
        ("other issuer", sign(iss="https://evil.example"), "issuer"),
        ("no exp", sign(exp=None), "exp"),
        ("no sub", sign(sub=None), "sub"),
        ("garbage", "not-a-jwt", "malformed"),
    ],
)
async def test_bad_tokens_are_refused(
    verifier: OidcVerifier, name: str, token: str, reason: str
) -> None:
    if token == "HS":
        # Algorithm confusion: the RSA public key used as an HMAC secret.
        token = jwt.api_jws.PyJWS().encode(
            json.dumps(claims(), default=lambda d: int(d.timestamp())).encode(),
            b"the-rsa-public-key-bytes-used-as-an-hmac-secret",
            algorithm="HS256",
            headers={"kid": "rsa-1"},
        )
    with pytest.raises(TokenRefused, match=reason):
        await verifier.claims(token)


async def test_a_tampered_token_is_refused(verifier: OidcVerifier) -> None:
    header, payload, signature = sign().split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body["sub"] = "someone-else"
    forged = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    with pytest.raises(TokenRefused, match="Signature verification failed"):
        await verifier.claims(f"{header}.{forged}.{signature}")


async def test_the_algorithm_is_pinned_to_the_configured_list(jwks_file: Path) -> None:
    only_es = OidcVerifier(
        OidcConfig(issuer=ISSUER, audience=AUDIENCE, algorithms=("ES256",), jwks_file=jwks_file)
    )
    assert await only_es.claims(sign(EC_KEY, "ec-1", "ES256"))
    with pytest.raises(TokenRefused, match="algorithm 'RS256' is not accepted"):
        await only_es.claims(sign())


def test_configuration_refuses_symmetric_algorithms_and_missing_keys(jwks_file: Path) -> None:
    with pytest.raises(ValueError, match="algorithms"):
        OidcConfig(issuer=ISSUER, audience=AUDIENCE, algorithms=("HS256",), jwks_file=jwks_file)
    with pytest.raises(ValueError, match="JWKS"):
        OidcConfig(issuer=ISSUER, audience=AUDIENCE)
    with pytest.raises(ValueError, match="audience"):
        OidcConfig(issuer=ISSUER, audience="", jwks_file=jwks_file)
