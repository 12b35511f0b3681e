"""Events of provider groups, regions, homes, users and people: the context's public contract."""

from __future__ import annotations

from typing import ClassVar, Literal
from uuid import UUID

from services.kernel.events import Event

ServiceType = Literal["residential", "nursing", "homecare", "supported_living"]
ProviderRole = Literal["group_admin", "quality_lead", "home_manager", "staff"]
#: Users of local authorities and regulators (services/access): they read granted homes only.
ExternalRole = Literal["la_officer", "inspector"]
Role = Literal[ProviderRole, ExternalRole]
PersonKind = Literal["resident", "staff", "relative", "complainant", "other"]


class ProviderGroupRegistered(Event, frozen=True, kw_only=True):
    group_id: UUID
    name: str


class ProviderGroupSettingsChanged(Event, frozen=True, kw_only=True):
    settings: dict[str, int | float | str | bool]


class RegionCreated(Event, frozen=True, kw_only=True):
    region_id: UUID
    name: str


class RegionRenamed(Event, frozen=True, kw_only=True):
    name: str


class LocationRegistered(Event, frozen=True, kw_only=True):
    location_id: UUID
    name: str
    service_type: ServiceType
    local_authority: str
    cqc_location_id: str | None = None
    region_id: UUID | None = None
    registered_manager_id: UUID | None = None


class LocationDetailsChanged(Event, frozen=True, kw_only=True):
    name: str
    service_type: ServiceType
    local_authority: str
    cqc_location_id: str | None = None
    region_id: UUID | None = None


class RegisteredManagerAssigned(Event, frozen=True, kw_only=True):
    user_id: UUID | None


class LocationClosed(Event, frozen=True, kw_only=True):
    reason: str


class UserRegistered(Event, frozen=True, kw_only=True):
    personal: ClassVar[tuple[str, ...]] = ("name", "email")
    subject_field: ClassVar[str | None] = "user_id"

    user_id: UUID
    name: str
    email: str
    email_digest: str
    roles: tuple[Role, ...]
    location_ids: tuple[UUID, ...] = ()


class UserAccessChanged(Event, frozen=True, kw_only=True):
    roles: tuple[Role, ...]
    location_ids: tuple[UUID, ...]


class UserDeactivated(Event, frozen=True, kw_only=True):
    reason: str


class PersonRecorded(Event, frozen=True, kw_only=True):
    personal: ClassVar[tuple[str, ...]] = ("name", "date_of_birth", "contact")
    subject_field: ClassVar[str | None] = "person_id"

    person_id: UUID
    kind: PersonKind
    name: str
    date_of_birth: str | None = None
    contact: str | None = None
    location_id: UUID | None = None


class PersonDetailsCorrected(Event, frozen=True, kw_only=True):
    personal: ClassVar[tuple[str, ...]] = ("name", "date_of_birth", "contact")
    subject_field: ClassVar[str | None] = "person_id"

    person_id: UUID
    name: str
    date_of_birth: str | None = None
    contact: str | None = None


class PersonErased(Event, frozen=True, kw_only=True):
    """The person's key was destroyed: their personal fields now read as the redaction marker."""

    reason: str


EVENTS: tuple[type[Event], ...] = (
    ProviderGroupRegistered,
    ProviderGroupSettingsChanged,
    RegionCreated,
    RegionRenamed,
    LocationRegistered,
    LocationDetailsChanged,
    RegisteredManagerAssigned,
    LocationClosed,
    UserRegistered,
    UserAccessChanged,
    UserDeactivated,
    PersonRecorded,
    PersonDetailsCorrected,
    PersonErased,
)
