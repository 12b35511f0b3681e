"""`/identity-links`: a group admin links a user's OpenID Connect login, reads and unlinks it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from services.http.principal import Principal
from services.http.records import CommandRoute, Lookups, RecordApi
from services.identities.decide import COLLECTION, LINKS, IdentityLink, LinkIdentity, UnlinkIdentity
from services.identities.logins import login_digest
from services.identities.schemas import IdentityLinkRead, LinkBody, UnlinkBody
from services.kernel.errors import InvalidCommand


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
