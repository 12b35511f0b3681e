"""API keys and identity links as records: pure decide and evolve, and how a key is made."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from services.api_keys import decide as api_keys
from services.identities import decide as identities
from services.kernel.decider import Context
from services.kernel.errors import InvalidTransition

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
ADMIN = uuid4()


def context(**facts: object) -> Context:
    return Context(actor=ADMIN, now=NOW, facts=facts)


def test_a_key_is_issued_with_only_the_digest_of_its_secret() -> None:
    tenant = uuid4()
    plaintext, command = api_keys.new_key(tenant, "BI", "read")
    _prefix, tenant_hex, key_hex, secret = plaintext.split("_", 3)
    assert (tenant_hex, key_hex) == (tenant.hex, command.key_id.hex)
    assert len(secret) >= 43  # 32 random bytes, URL-safe base64
    assert plaintext.startswith(command.prefix)
    assert command.digest == hashlib.sha256(secret.encode()).hexdigest()
    (issued,) = api_keys.decide(command, None, context())
    assert isinstance(issued, api_keys.ApiKeyIssued)
    assert secret not in repr(issued) and issued.issued_by == ADMIN
    state = api_keys.API_KEYS.fold([issued])
    assert state is not None and api_keys.index(state).status == "active"


def test_a_revoked_key_stays_revoked() -> None:
    _plaintext, command = api_keys.new_key(uuid4(), "BI", "write")
    state = api_keys.API_KEYS.fold(api_keys.decide(command, None, context()))
    revoke = api_keys.RevokeApiKey(reason="rotated")
    events = api_keys.decide(revoke, state, context())
    revoked = api_keys.API_KEYS.fold(events, state)
    assert revoked is not None and revoked.revoked_at == NOW
    assert api_keys.index(revoked).status == "revoked"
    with pytest.raises(InvalidTransition, match="already revoked"):
        api_keys.decide(revoke, revoked, context())
    with pytest.raises(InvalidTransition):
        api_keys.decide(command, revoked, context())


def test_a_login_is_linked_then_unlinked_once() -> None:
    link = identities.LinkIdentity(
        link_id=uuid4(), user_id=uuid4(), issuer="https://idp.example", subject="abc"
    )
    events = identities.decide(link, None, context(digest="d1"))
    state = identities.LINKS.fold(events)
    assert state is not None and identities.index(state).summary["digest"] == "d1"
    assert identities.IdentityLinked.personal == ("subject",)  # encrypted as personal data
    unlink = identities.UnlinkIdentity(reason="left")
    unlinked = identities.LINKS.fold(identities.decide(unlink, state, context()), state)
    assert unlinked is not None and identities.index(unlinked).status == "unlinked"
    with pytest.raises(InvalidTransition):
        identities.decide(unlink, unlinked, context())
