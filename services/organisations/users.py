"""Users of a provider group: roles and the homes they are scoped to. Pure decide and evolve."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import msgspec

from services.kernel.decider import Context, Decider, RecordIndex
from services.kernel.errors import InvalidCommand, InvalidTransition
from services.kernel.events import Event
from services.organisations.events import Role, UserAccessChanged, UserDeactivated, UserRegistered

SCOPED_ROLES = frozenset({"home_manager", "staff"})


class RegisterUser(msgspec.Struct, frozen=True, kw_only=True):
    user_id: UUID
    name: str
    email: str
    roles: tuple[Role, ...]
    location_ids: tuple[UUID, ...] = ()


class ChangeUserAccess(msgspec.Struct, frozen=True, kw_only=True):
    roles: tuple[Role, ...]
    location_ids: tuple[UUID, ...]


class DeactivateUser(msgspec.Struct, frozen=True, kw_only=True):
    reason: str


class User(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    name: str
    email: str
    email_digest: str
    roles: tuple[Role, ...]
    location_ids: tuple[UUID, ...]
    active: bool = True


def _check_access(roles: Sequence[str], location_ids: Sequence[UUID]) -> None:
    if not roles:
        raise InvalidCommand("roles", "a user needs at least one role")
    if (
        SCOPED_ROLES.intersection(roles)
        and not location_ids
        and not {"group_admin", "quality_lead"} & set(roles)
    ):
        raise InvalidCommand("location_ids", "home managers and staff need at least one home")


def decide_user(command: object, state: User | None, context: Context) -> Sequence[Event]:
    match command, state:
        case RegisterUser(), None:
            _check_access(command.roles, command.location_ids)
            # The digest is keyed (see directory.email_digest), so the shell computes it.
            digest = context.facts["email_digest"]
            return [UserRegistered(email_digest=digest, **msgspec.structs.asdict(command))]
        case _, User(active=False):
            raise InvalidTransition("the user is deactivated")
        case ChangeUserAccess(roles=roles, location_ids=location_ids), User():
            _check_access(roles, location_ids)
            return [UserAccessChanged(roles=roles, location_ids=location_ids)]
        case DeactivateUser(reason=reason), User():
            if state.id == context.actor:
                raise InvalidCommand("user_id", "you cannot deactivate yourself")
            return [UserDeactivated(reason=reason)]
    raise InvalidTransition(f"{type(command).__name__} is not possible now")


def evolve_user(state: User | None, event: Event) -> User:
    match event:
        case UserRegistered():
            fields = msgspec.structs.asdict(event)
            return User(id=fields.pop("user_id"), **fields)
        case UserAccessChanged(roles=roles, location_ids=location_ids):
            assert state is not None
            return msgspec.structs.replace(state, roles=roles, location_ids=location_ids)
        case UserDeactivated():
            assert state is not None
            return msgspec.structs.replace(state, active=False)
    raise TypeError(f"a user does not handle {type(event).__name__}")


def index_user(state: User) -> RecordIndex:
    """Non-personal: the e-mail is kept only as a keyed digest, for finding the user by it."""
    return RecordIndex(
        location_id=None,
        status="active" if state.active else "deactivated",
        summary={
            "email_digest": state.email_digest,
            "roles": list(state.roles),
            "location_ids": [str(x) for x in state.location_ids],
        },
    )


USERS: Decider[User] = Decider(
    stream_type="user",
    collection="users",
    events=(UserRegistered, UserAccessChanged, UserDeactivated),
    decide=decide_user,
    evolve=evolve_user,
    index=index_user,
    hydrate_lists=True,
)
