"""Identity links: which registered user an OpenID Connect login (issuer + subject) is. A group
admin links a user's login; the user's roles and homes stay in caretrail's own directory, so a
role change, a deactivation or an unlink takes effect on the very next request."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import msgspec

from services.identities.events import EVENTS, IdentityLinked, IdentityUnlinked
from services.kernel.decider import Context, Decider, RecordIndex
from services.kernel.errors import InvalidTransition
from services.kernel.events import Event

COLLECTION = "identity-links"


class LinkIdentity(msgspec.Struct, frozen=True, kw_only=True):
    link_id: UUID
    user_id: UUID
    issuer: str
    subject: str


class UnlinkIdentity(msgspec.Struct, frozen=True, kw_only=True):
    reason: str


class IdentityLink(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    user_id: UUID
    issuer: str
    subject: str
    digest: str
    linked: bool = True


def decide(command: object, state: IdentityLink | None, context: Context) -> Sequence[Event]:
    match command, state:
        case LinkIdentity(), None:
            return [
                IdentityLinked(
                    link_id=command.link_id,
                    user_id=command.user_id,
                    issuer=command.issuer,
                    subject=command.subject,
                    digest=context.facts["digest"],
                )
            ]
        case UnlinkIdentity(reason=reason), IdentityLink(linked=True):
            return [IdentityUnlinked(reason=reason)]
    raise InvalidTransition(f"{type(command).__name__} is not possible now")


def evolve(state: IdentityLink | None, event: Event) -> IdentityLink:
    match event:
        case IdentityLinked():
            fields = msgspec.structs.asdict(event)
            return IdentityLink(id=fields.pop("link_id"), **fields)
        case IdentityUnlinked():
            assert state is not None
            return msgspec.structs.replace(state, linked=False)
    raise TypeError(f"an identity link does not handle {type(event).__name__}")


def index(state: IdentityLink) -> RecordIndex:
    return RecordIndex(
        location_id=None,
        status="linked" if state.linked else "unlinked",
        summary={"user_id": str(state.user_id), "issuer": state.issuer, "digest": state.digest},
    )


LINKS: Decider[IdentityLink] = Decider(
    stream_type="identity-link",
    collection=COLLECTION,
    events=EVENTS,
    decide=decide,
    evolve=evolve,
    index=index,
)
