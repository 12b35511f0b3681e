"""API keys for integrations: issued by a group admin, shown once, stored only as a SHA-256 digest
of 256 random bits, revocable, scoped to one provider group and to read or write.

A key reads `ctk_<tenant hex>_<key id hex>_<secret>`: the tenant and key id let the server find
the key's row under row-level security; only the secret's digest is kept (in the key's events and
its index row), and the first characters (`ctk_<tenant hex>_<8 of key id>`) identify it in lists."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal
from uuid import UUID, uuid4

import msgspec

from eventstore.binding import Binding
from services.http.oidc import TokenRefused
from services.http.principal import Principal
from services.kernel.decider import Context, Decider, RecordIndex
from services.kernel.errors import InvalidTransition
from services.kernel.events import Event

if TYPE_CHECKING:
    from services.kernel.handling import Records

KEY_PREFIX = "ctk_"
COLLECTION = "api-keys"
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


class IssueApiKey(msgspec.Struct, frozen=True, kw_only=True):
    key_id: UUID
    name: str
    access: Access
    prefix: str
    digest: str


class RevokeApiKey(msgspec.Struct, frozen=True, kw_only=True):
    reason: str


class ApiKey(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    name: str
    access: Access
    prefix: str
    digest: str
    issued_by: UUID
    issued_at: datetime
    revoked_at: datetime | None = None


def decide(command: object, state: ApiKey | None, context: Context) -> Sequence[Event]:
    match command, state:
        case IssueApiKey(), None:
            return [
                ApiKeyIssued(
                    **msgspec.structs.asdict(command),
                    issued_by=context.actor,
                    issued_at=context.now,
                )
            ]
        case RevokeApiKey(reason=reason), ApiKey(revoked_at=None):
            return [ApiKeyRevoked(reason=reason, revoked_by=context.actor, revoked_at=context.now)]
        case RevokeApiKey(), ApiKey():
            raise InvalidTransition("the key is already revoked")
    raise InvalidTransition(f"{type(command).__name__} is not possible now")


def evolve(state: ApiKey | None, event: Event) -> ApiKey:
    match event:
        case ApiKeyIssued():
            fields = msgspec.structs.asdict(event)
            return ApiKey(id=fields.pop("key_id"), **fields)
        case ApiKeyRevoked(revoked_at=revoked_at):
            assert state is not None
            return msgspec.structs.replace(state, revoked_at=revoked_at)
    raise TypeError(f"an API key does not handle {type(event).__name__}")


def index(state: ApiKey) -> RecordIndex:
    return RecordIndex(
        location_id=None,
        status="revoked" if state.revoked_at else "active",
        summary={"name": state.name, "access": state.access, "prefix": state.prefix,
                 "digest": state.digest},
    )  # fmt: skip


API_KEYS: Decider[ApiKey] = Decider(
    stream_type="api-key",
    collection=COLLECTION,
    events=(ApiKeyIssued, ApiKeyRevoked),
    decide=decide,
    evolve=evolve,
    index=index,
)


def new_key(tenant_id: UUID, name: str, access: Access) -> tuple[str, IssueApiKey]:
    """The plaintext key (to show once) and the command that records only its digest."""
    key_id = uuid4()
    secret = secrets.token_urlsafe(32)
    prefix = f"{KEY_PREFIX}{tenant_id.hex}_{key_id.hex[:8]}"
    plaintext = f"{KEY_PREFIX}{tenant_id.hex}_{key_id.hex}_{secret}"
    digest = hashlib.sha256(secret.encode()).hexdigest()
    return plaintext, IssueApiKey(
        key_id=key_id, name=name, access=access, prefix=prefix, digest=digest
    )


def _parse(token: str) -> tuple[UUID, UUID, str]:
    parts = token.removeprefix(KEY_PREFIX).split("_", 2)
    try:
        tenant, key, secret = parts
        return UUID(hex=tenant), UUID(hex=key), secret
    except ValueError:
        raise TokenRefused("malformed API key") from None


async def principal_for(records: Records, token: str) -> Principal:
    """The integration this key stands for, or TokenRefused (unknown, wrong, revoked)."""
    tenant_id, key_id, secret = _parse(token)
    row = await records.find(tenant_id, COLLECTION, key_id, binding=Binding.tenant(tenant_id))
    digest = hashlib.sha256(secret.encode()).hexdigest()
    if row is None or not hmac.compare_digest(str(row.summary.get("digest", "")), digest):
        raise TokenRefused("unknown API key")
    if row.status != "active":
        raise TokenRefused("this API key has been revoked")
    return Principal(
        user_id=key_id,
        organisation_id=tenant_id,
        organisation_kind="provider",
        roles=(f"integration_{row.summary['access']}",),
        location_ids=(),
    )


Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class IssueBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name: Name
    access: Access


class ApiKeyRead(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    name: str
    access: Access
    prefix: str
    issued_by: UUID
    issued_at: datetime
    revoked_at: datetime | None
    status: str


class IssuedApiKey(msgspec.Struct, frozen=True, kw_only=True):
    """The only answer that ever holds the key: store it now, it cannot be shown again."""

    #: None when the request repeats an earlier Idempotency-Key: the key was shown to that one.
    key: str | None
    api_key: ApiKeyRead


def render(state: ApiKey) -> ApiKeyRead:
    return ApiKeyRead(
        id=state.id,
        name=state.name,
        access=state.access,
        prefix=state.prefix,
        issued_by=state.issued_by,
        issued_at=state.issued_at,
        revoked_at=state.revoked_at,
        status="revoked" if state.revoked_at else "active",
    )
