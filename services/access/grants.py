"""A grant of one home to one external organisation as a decider: pure decide and evolve."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import msgspec

from services.access.events import (
    GRANT_EVENTS,
    AccessGranted,
    AccessRevoked,
    ExternalKind,
    GrantStatus,
)
from services.kernel.decider import Context, Decider, RecordIndex
from services.kernel.errors import InvalidCommand, InvalidTransition
from services.kernel.events import Event


class GrantAccess(msgspec.Struct, frozen=True, kw_only=True):
    grant_id: UUID
    location_id: UUID
    organisation_id: UUID
    valid_from: datetime | None
    valid_until: datetime | None
    purpose: str


class RevokeAccess(msgspec.Struct, frozen=True, kw_only=True):
    reason: str


class Grant(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    location_id: UUID
    organisation_id: UUID
    organisation_kind: ExternalKind
    valid_from: datetime
    valid_until: datetime | None
    purpose: str
    granted_at: datetime
    status: GrantStatus = "active"
    revoked_at: datetime | None = None
    revoke_reason: str | None = None


def _grant(command: GrantAccess, context: Context) -> AccessGranted:
    """`facts["organisation_kind"]`: the grantee's kind, looked up by the shell."""
    kind = context.facts["organisation_kind"]
    valid_from = command.valid_from or context.now
    if kind == "regulator" and command.valid_until is None:
        raise InvalidCommand("until", "an inspector's grant must end: give `until`")
    if command.valid_until is not None:
        if command.valid_until <= valid_from:
            raise InvalidCommand("until", "must be after `from`")
        if command.valid_until <= context.now:
            raise InvalidCommand("until", "is already past: the grant would give no access")
    return AccessGranted(
        grant_id=command.grant_id,
        location_id=command.location_id,
        organisation_id=command.organisation_id,
        organisation_kind=kind,
        valid_from=valid_from,
        valid_until=command.valid_until,
        purpose=command.purpose,
        granted_at=context.now,
    )


def decide(command: object, state: Grant | None, context: Context) -> Sequence[Event]:
    match command, state:
        case GrantAccess(), None:
            return [_grant(command, context)]
        case RevokeAccess(reason=reason), Grant(status="active"):
            return [AccessRevoked(reason=reason, revoked_at=context.now)]
        case RevokeAccess(), Grant():
            raise InvalidTransition("the grant is already revoked")
    raise InvalidTransition(f"{type(command).__name__} is not possible now")


def evolve(state: Grant | None, event: Event) -> Grant:
    match event:
        case AccessGranted():
            fields = msgspec.structs.asdict(event)
            return Grant(id=fields.pop("grant_id"), **fields)
        case AccessRevoked(reason=reason, revoked_at=at):
            assert state is not None
            return msgspec.structs.replace(
                state, status="revoked", revoked_at=at, revoke_reason=reason
            )
    raise TypeError(f"a grant does not handle {type(event).__name__}")


def index(state: Grant) -> RecordIndex:
    """The summary feeds `access_grants` (a trigger on the record index, services/access/schema.py)."""
    return RecordIndex(
        location_id=state.location_id,
        status=state.status,
        key_date=state.valid_from,
        summary={
            "organisation_id": str(state.organisation_id),
            "organisation_kind": state.organisation_kind,
            "valid_from": state.valid_from.isoformat(),
            "valid_until": state.valid_until.isoformat() if state.valid_until else None,
        },
    )


GRANTS: Decider[Grant] = Decider(
    stream_type="access-grant",
    collection="grants",
    events=GRANT_EVENTS,
    decide=decide,
    evolve=evolve,
    index=index,
)
