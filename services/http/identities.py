"""Identity links: which registered user an OpenID Connect login (issuer + subject) is. A group
admin links a user's login; the user's roles and homes stay in caretrail's own directory, so a
role change, a deactivation or an unlink takes effect on the very next request."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, ClassVar
from uuid import UUID

import msgspec

from eventstore.binding import Binding
from services.http.oidc import TokenRefused
from services.http.principal import Principal
from services.http.records import CommandRoute, Lookups, RecordApi
from services.kernel.decider import Context, Decider, RecordIndex
from services.kernel.errors import InvalidCommand, InvalidTransition
from services.kernel.events import Event

if TYPE_CHECKING:
    from services.kernel.handling import Records

COLLECTION = "identity-links"


class IdentityLinked(Event, frozen=True, kw_only=True):
    personal: ClassVar[tuple[str, ...]] = ("subject",)
    subject_field: ClassVar[str | None] = "user_id"

    link_id: UUID
    user_id: UUID
    issuer: str
    subject: str
    #: Keyed digest of issuer and subject, for finding the link without storing the subject.
    digest: str


class IdentityUnlinked(Event, frozen=True, kw_only=True):
    reason: str


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
    events=(IdentityLinked, IdentityUnlinked),
    decide=decide,
    evolve=evolve,
    index=index,
)

Text = Annotated[str, msgspec.Meta(min_length=1, max_length=255)]


class LinkBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    user_id: UUID
    #: The provider's issuer URL exactly as in the tokens' `iss`.
    issuer: Text
    #: The user's `sub` at that provider.
    subject: Text


class UnlinkBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]


class IdentityLinkRead(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    user_id: UUID
    issuer: str
    subject: str
    linked: bool


def login_digest(records: Records, issuer: str, subject: str) -> str:
    return records.store.keyring.lookup_digest("oidc-login", f"{issuer}\0{subject}")


async def _check_link(body: LinkBody, lookups: Lookups) -> Mapping[str, Any]:
    await lookups.require("users", body.user_id, "user_id")
    digest = login_digest(lookups.records, body.issuer, body.subject)
    found = await lookups.records.find_by_summary(
        lookups.principal.tenant_id,
        COLLECTION,
        "digest",
        digest,
        binding=lookups.principal.binding,
    )
    if any(link.status == "linked" for link in found):
        raise InvalidCommand("subject", "this login is already linked to a user")
    return {"digest": digest}


def _to_link(body: LinkBody, link_id: UUID, _principal: Principal) -> LinkIdentity:
    return LinkIdentity(
        link_id=link_id, user_id=body.user_id, issuer=body.issuer, subject=body.subject
    )


API: RecordApi[IdentityLink] = RecordApi(
    decider=LINKS,
    path="/identity-links",
    tag="authentication",
    create_body=LinkBody,
    to_create=_to_link,
    read_type=IdentityLinkRead,
    render=lambda s: IdentityLinkRead(
        id=s.id, user_id=s.user_id, issuer=s.issuer, subject=s.subject, linked=s.linked
    ),
    check_create=_check_link,
    commands=(
        CommandRoute(
            "unlink",
            UnlinkBody,
            lambda b, _i, _p: UnlinkIdentity(reason=b.reason),
            "Unlink the login: its tokens are refused from now on",
        ),
    ),
)


async def principal_for(records: Records, tenant_id: UUID, issuer: str, subject: str) -> Principal:
    """The registered, active user this login is linked to in the token's organisation (a provider
    group, or a local authority or regulator whose users read what providers granted)."""
    digest = login_digest(records, issuer, subject)
    links = [
        link
        for link in await records.find_by_summary(
            tenant_id, COLLECTION, "digest", digest, binding=Binding.tenant(tenant_id)
        )
        if link.status == "linked"
    ]
    if len(links) != 1:
        raise TokenRefused("this login is not linked to a caretrail user of that provider group")
    user_id = UUID(links[0].summary["user_id"])
    user = await records.find(tenant_id, "users", user_id, binding=Binding.tenant(tenant_id))
    if user is None or user.status != "active":
        raise TokenRefused("the linked caretrail user is not active")
    from services.access.organisations import organisation_kind

    # A local authority's or regulator's users live under their organisation's own id.
    kind = await organisation_kind(records, tenant_id)
    if kind is None:
        raise TokenRefused("no such organisation")
    return Principal(
        user_id=user_id,
        organisation_id=tenant_id,
        organisation_kind=kind,
        roles=tuple(user.summary.get("roles", ())),
        location_ids=tuple(UUID(x) for x in user.summary.get("location_ids", ())),
    )
