"""An OpenID Connect login (issuer + subject) to the registered, active user it is linked to: found
by the login's keyed digest, so the subject itself is never stored in the index."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from eventstore.binding import Binding
from services.access.organisations import organisation_kind
from services.http.principal import Principal, TokenRefused
from services.identities.decide import COLLECTION

if TYPE_CHECKING:
    from services.kernel.handling import Records


def login_digest(records: Records, issuer: str, subject: str) -> str:
    return records.store.keyring.lookup_digest("oidc-login", f"{issuer}\0{subject}")


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
