"""`/grants`: a provider group grants one of its homes to a local authority or regulator, and
revokes it. Only group admins (services/http/authorization.py: grants are administration)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from services.access import schemas
from services.access.grants import GRANTS, Grant, GrantAccess, RevokeAccess
from services.access.organisations import EXTERNAL_KINDS, organisation_kind
from services.http.principal import Principal
from services.http.records import CommandRoute, Lookups, RecordApi
from services.kernel.errors import Forbidden, InvalidCommand


def _require_group_admin(principal: Principal) -> None:
    if principal.organisation_kind != "provider" or "group_admin" not in principal.roles:
        raise Forbidden("only a group admin grants or revokes access to a home")


async def check_grant(body: schemas.GrantBody, lookups: Lookups) -> dict[str, Any]:
    """The home is the caller's group's; the grantee is a local authority or a regulator."""
    _require_group_admin(lookups.principal)
    await lookups.require_location(body.location_id)
    kind = await organisation_kind(lookups.records, body.organisation_id)
    if kind is None:
        raise InvalidCommand("organisation_id", f"no organisation {body.organisation_id}")
    if kind not in EXTERNAL_KINDS:
        raise InvalidCommand(
            "organisation_id", "homes are granted to local authorities and regulators only"
        )
    return {"organisation_kind": kind}


async def check_revoke(_body: schemas.RevokeBody, lookups: Lookups) -> dict[str, Any]:
    _require_group_admin(lookups.principal)
    return {}


def to_grant(body: schemas.GrantBody, record_id: UUID, _principal: Principal) -> GrantAccess:
    return GrantAccess(
        grant_id=record_id,
        location_id=body.location_id,
        organisation_id=body.organisation_id,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        purpose=body.purpose,
    )


API: RecordApi[Grant] = RecordApi(
    decider=GRANTS,
    path="/grants",
    tag="access",
    create_body=schemas.GrantBody,
    to_create=to_grant,
    read_type=schemas.GrantRead,
    render=schemas.render,
    check_create=check_grant,
    commands=(
        CommandRoute(
            "revoke",
            schemas.RevokeBody,
            lambda b, _i, _p: RevokeAccess(reason=b.reason),
            "Revoke the grant: the organisation loses access at once",
            check_revoke,
        ),
    ),
)
