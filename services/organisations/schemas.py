"""Request and response bodies of the organisations routes."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec

from services.organisations.events import PersonKind, ProviderRole, ServiceType

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
Email = Annotated[
    str, msgspec.Meta(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
]
AreaCode = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
CqcId = Annotated[str, msgspec.Meta(min_length=1, max_length=20, pattern=r"^[0-9A-Za-z-]+$")]
IsoDate = Annotated[str, msgspec.Meta(pattern=r"^\d{4}-\d{2}-\d{2}$")]


class Body(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of request bodies: unknown fields are refused, not silently dropped."""


class CreateLocation(Body, frozen=True, kw_only=True):
    name: Name
    service_type: ServiceType
    local_authority: AreaCode
    cqc_location_id: CqcId | None = None
    region_id: UUID | None = None
    registered_manager_id: UUID | None = None


class ChangeLocation(Body, frozen=True, kw_only=True):
    name: Name
    service_type: ServiceType
    local_authority: AreaCode
    cqc_location_id: CqcId | None = None
    region_id: UUID | None = None


class AssignManager(Body, frozen=True, kw_only=True):
    user_id: UUID | None


class WithReason(Body, frozen=True, kw_only=True):
    reason: Reason


class LocationRead(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    name: str
    service_type: ServiceType
    local_authority: str
    cqc_location_id: str | None
    region_id: UUID | None
    registered_manager_id: UUID | None
    status: str


class CreateRegion(Body, frozen=True, kw_only=True):
    name: Name


class RegionRead(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    name: str


class CreateUser(Body, frozen=True, kw_only=True):
    name: Name
    email: Email
    roles: Annotated[tuple[ProviderRole, ...], msgspec.Meta(min_length=1, max_length=4)]
    location_ids: Annotated[tuple[UUID, ...], msgspec.Meta(max_length=500)] = ()


class ChangeAccess(Body, frozen=True, kw_only=True):
    roles: Annotated[tuple[ProviderRole, ...], msgspec.Meta(min_length=1, max_length=4)]
    location_ids: Annotated[tuple[UUID, ...], msgspec.Meta(max_length=500)] = ()


class UserRead(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    name: str
    email: str
    roles: tuple[str, ...]
    location_ids: tuple[UUID, ...]
    active: bool


class CreatePerson(Body, frozen=True, kw_only=True):
    kind: PersonKind
    name: Name
    date_of_birth: IsoDate | None = None
    contact: Annotated[str, msgspec.Meta(max_length=500)] | None = None
    location_id: UUID | None = None


class CorrectPerson(Body, frozen=True, kw_only=True):
    name: Name
    date_of_birth: IsoDate | None = None
    contact: Annotated[str, msgspec.Meta(max_length=500)] | None = None


class PersonRead(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    kind: str
    name: str
    date_of_birth: str | None
    contact: str | None
    location_id: UUID | None
    erased: bool


class Me(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    email: str
    name: str
    organisation_id: UUID
    organisation_name: str
    organisation_kind: str
    roles: tuple[str, ...]
    location_ids: tuple[UUID, ...]


class SettingsBody(Body, frozen=True, kw_only=True):
    settings: dict[str, int | float | str | bool]
