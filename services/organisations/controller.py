"""Thin HTTP handlers for regions, locations, users, people, settings and /me."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from services.http.authorization import authorize
from services.http.principal import Principal
from services.http.problems import problem_responses
from services.http.records import (
    CommandRoute,
    Lookups,
    RecordApi,
    caller_of,
    if_match_of,
    permitted,
    replay_of,
    respond,
    visible_record,
)
from services.kernel.errors import InvalidCommand
from services.kernel.handling import Records
from services.organisations import directory, schemas
from services.organisations.groups import GROUPS, ChangeSettings, ProviderGroup
from services.organisations.locations import (
    LOCATIONS,
    REGIONS,
    AssignRegisteredManager,
    ChangeLocationDetails,
    CloseLocation,
    CreateRegion,
    RegisterLocation,
    RenameRegion,
)
from services.organisations.people import PEOPLE, CorrectPersonDetails, ErasePerson, RecordPerson
from services.organisations.users import USERS, ChangeUserAccess, DeactivateUser, RegisterUser, User


def require_admin(principal: Principal) -> None:
    """Shaping the provider group itself: the role matrix gives it to group admins only."""
    authorize(principal, "provider-groups", "change")


def admin_only(build: Any) -> Any:
    def guarded(body: Any, record_id: UUID, principal: Principal) -> Any:
        require_admin(principal)
        return build(body, record_id, principal)

    return guarded


async def _check_location(body: Any, lookups: Lookups) -> dict[str, Any]:
    if getattr(body, "region_id", None):
        await lookups.require("regions", body.region_id, "region_id")
    if getattr(body, "registered_manager_id", None):
        await lookups.require("users", body.registered_manager_id, "registered_manager_id")
    return {}


async def _check_user(body: Any, lookups: Lookups) -> dict[str, Any]:
    for location_id in body.location_ids:
        await lookups.require("locations", location_id, "location_ids")
    if hasattr(body, "email"):
        digest = directory.email_digest(lookups.records, body.email)
        if await lookups.records.find_by_summary(
            lookups.principal.tenant_id,
            "users",
            "email_digest",
            digest,
            binding=lookups.principal.binding,
        ):
            raise InvalidCommand("email", "a user with this e-mail already exists")
        return {"email_digest": digest}
    return {}


async def _check_person(body: Any, lookups: Lookups) -> dict[str, Any]:
    if getattr(body, "location_id", None):
        await lookups.require_location(body.location_id)
    return {}


def _render(read_type: type) -> Any:
    return lambda state: msgspec.convert(msgspec.to_builtins(state), read_type, strict=False)


LOCATIONS_API = RecordApi(
    decider=LOCATIONS,
    path="/locations",
    tag="locations",
    create_body=schemas.CreateLocation,
    to_create=admin_only(
        lambda b, i, p: RegisterLocation(location_id=i, **msgspec.structs.asdict(b))
    ),
    read_type=schemas.LocationRead,
    render=_render(schemas.LocationRead),
    check_create=_check_location,
    commands=(
        CommandRoute(
            "change",
            schemas.ChangeLocation,
            admin_only(lambda b, i, p: ChangeLocationDetails(**msgspec.structs.asdict(b))),
            "Change a home's details",
            _check_location,
        ),
        CommandRoute(
            "assign-manager",
            schemas.AssignManager,
            admin_only(lambda b, i, p: AssignRegisteredManager(user_id=b.user_id)),
            "Assign the registered manager",
            None,
        ),
        CommandRoute(
            "close",
            schemas.WithReason,
            admin_only(lambda b, i, p: CloseLocation(reason=b.reason)),
            "Close a home (its records remain)",
        ),
    ),
)

REGIONS_API = RecordApi(
    decider=REGIONS,
    path="/regions",
    tag="regions",
    create_body=schemas.CreateRegion,
    to_create=admin_only(lambda b, i, p: CreateRegion(region_id=i, name=b.name)),
    read_type=schemas.RegionRead,
    render=_render(schemas.RegionRead),
    commands=(
        CommandRoute(
            "rename",
            schemas.CreateRegion,
            admin_only(lambda b, i, p: RenameRegion(name=b.name)),
            "Rename a region",
        ),
    ),
)


def _to_register_user(
    body: schemas.CreateUser, user_id: UUID, principal: Principal
) -> RegisterUser:
    require_admin(principal)
    return RegisterUser(
        user_id=user_id,
        name=body.name,
        email=body.email,
        roles=body.roles,
        location_ids=body.location_ids,
    )


USERS_API = RecordApi(
    decider=USERS,
    path="/users",
    tag="users",
    create_body=schemas.CreateUser,
    to_create=_to_register_user,
    read_type=schemas.UserRead,
    render=_render(schemas.UserRead),
    check_create=_check_user,
    commands=(
        CommandRoute(
            "change-access",
            schemas.ChangeAccess,
            admin_only(
                lambda b, i, p: ChangeUserAccess(roles=b.roles, location_ids=b.location_ids)
            ),
            "Change a user's roles and homes",
            _check_user,
        ),
        CommandRoute(
            "deactivate",
            schemas.WithReason,
            admin_only(lambda b, i, p: DeactivateUser(reason=b.reason)),
            "Deactivate a user",
        ),
    ),
)


def _erase_handler() -> Any:
    @post(
        "/{record_id:uuid}/erase",
        status_code=200,
        summary="Erase a person's personal data (crypto-shredding)",
        operation_id="person_erase",
        responses=problem_responses(400, 401, 403, 404, 422),
        guards=[visible_record("people", "erase")],
    )
    async def erase(
        record_id: FromPath[UUID],
        data: JSONBody[schemas.WithReason],
        request: Request,
        principal: NamedDependency[Principal],
        records: NamedDependency[Records],
    ) -> Response[Any]:
        authorize(principal, "people", "erase")
        person, _version, _events = await records.load(
            principal.tenant_id, PEOPLE, record_id, binding=principal.binding
        )
        caller = caller_of(principal, request)
        if not person.erased:  # the key first: once the event says "erased", it must be so
            await records.store.erase_subject(
                principal.tenant_id, record_id, {"actor": str(principal.user_id)}
            )
        # An erased person refuses a second erasure (409), unless this is a retry of the first
        # request with the same Idempotency-Key, which answers as the first did.
        outcome = await records.execute(
            caller, PEOPLE, record_id, ErasePerson(reason=data.reason),
            if_match=if_match_of(request), replay=await replay_of(request),
        )  # fmt: skip
        return respond(PEOPLE_API, _person_response, outcome)

    return erase


PEOPLE_API = RecordApi(
    decider=PEOPLE,
    path="/people",
    tag="people",
    create_body=schemas.CreatePerson,
    to_create=lambda b, i, p: RecordPerson(person_id=i, **msgspec.structs.asdict(b)),
    read_type=schemas.PersonRead,
    render=_render(schemas.PersonRead),
    check_create=_check_person,
    commands=(
        CommandRoute(
            "correct",
            schemas.CorrectPerson,
            lambda b, i, p: CorrectPersonDetails(**msgspec.structs.asdict(b)),
            "Correct a person's details",
        ),
    ),
    extra_handlers=(_erase_handler(),),
)

_person_response = msgspec.defstruct(
    "PersonReadErased", [("id", UUID), ("version", int), ("record", schemas.PersonRead)]
)


@get(
    "/me",
    tags=["users"],
    summary="Who the caller is",
    operation_id="me",
    responses=problem_responses(400, 401),
)
async def me(
    principal: NamedDependency[Principal], records: NamedDependency[Records]
) -> schemas.Me:
    user: User
    user, _version, _events = await records.load(
        principal.tenant_id, USERS, principal.user_id, binding=principal.binding
    )
    return schemas.Me(
        id=user.id,
        email=user.email,
        name=user.name,
        organisation_id=principal.organisation_id,
        organisation_name=await directory.organisation_name(records, principal.organisation_id),
        organisation_kind=principal.organisation_kind,
        roles=user.roles,
        location_ids=user.location_ids,
    )


@get(
    "/settings",
    tags=["settings"],
    summary="The provider group's settings (deadlines, thresholds)",
    operation_id="settings_read",
    responses=problem_responses(400, 401),
)
async def read_settings(
    principal: NamedDependency[Principal], records: NamedDependency[Records]
) -> dict[str, Any]:
    group: ProviderGroup
    group, version, _events = await records.load(
        principal.tenant_id, GROUPS, principal.tenant_id, binding=principal.binding
    )
    return {"version": version, "settings": group.settings}


@put(
    "/settings",
    tags=["settings"],
    summary="Change settings (group admin)",
    operation_id="settings_change",
    responses=problem_responses(400, 401, 403, 422),
    guards=[permitted("provider-groups", "change")],
)
async def change_settings(
    data: JSONBody[schemas.SettingsBody],
    request: Request,
    principal: NamedDependency[Principal],
    records: NamedDependency[Records],
) -> dict[str, Any]:
    require_admin(principal)
    caller = caller_of(principal, request)
    outcome = await records.execute(
        caller, GROUPS, principal.tenant_id, ChangeSettings(settings=data.settings)
    )
    return {"version": outcome.version, "settings": outcome.state.settings}


HANDLERS = (me, read_settings, change_settings)
APIS = (LOCATIONS_API, REGIONS_API, USERS_API, PEOPLE_API)
