"""API keys: the issue and revoke commands, the key's state, pure decide and evolve, and how a
new key is made (the plaintext shown once, the command recording only its digest)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID, uuid4

import msgspec

from services.api_keys.events import EVENTS, Access, ApiKeyIssued, ApiKeyRevoked
from services.kernel.decider import Context, Decider, RecordIndex
from services.kernel.errors import InvalidTransition
from services.kernel.events import Event

KEY_PREFIX = "ctk_"
COLLECTION = "api-keys"


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
    events=EVENTS,
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
