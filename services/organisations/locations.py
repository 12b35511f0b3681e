"""Homes and regions: pure decide and evolve."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import msgspec

from services.kernel.decider import Context, Decider, RecordIndex
from services.kernel.errors import InvalidCommand, InvalidTransition
from services.kernel.events import Event
from services.organisations.events import (
    LocationClosed,
    LocationDetailsChanged,
    LocationRegistered,
    RegionCreated,
    RegionRenamed,
    RegisteredManagerAssigned,
    ServiceType,
)


class RegisterLocation(msgspec.Struct, frozen=True, kw_only=True):
    location_id: UUID
    name: str
    service_type: ServiceType
    local_authority: str
    cqc_location_id: str | None = None
    region_id: UUID | None = None
    registered_manager_id: UUID | None = None


class ChangeLocationDetails(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    service_type: ServiceType
    local_authority: str
    cqc_location_id: str | None = None
    region_id: UUID | None = None


class AssignRegisteredManager(msgspec.Struct, frozen=True, kw_only=True):
    user_id: UUID | None


class CloseLocation(msgspec.Struct, frozen=True, kw_only=True):
    reason: str


class Location(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    name: str
    service_type: ServiceType
    local_authority: str
    cqc_location_id: str | None
    region_id: UUID | None
    registered_manager_id: UUID | None
    status: str = "active"
    closed_reason: str | None = None


def decide_location(command: object, state: Location | None, context: Context) -> Sequence[Event]:
    match command, state:
        case RegisterLocation(), None:
            return [LocationRegistered(**msgspec.structs.asdict(command))]
        case RegisterLocation(), _:
            raise InvalidTransition("this location is already registered")
        case _, Location(status="closed"):
            raise InvalidTransition("the location is closed")
        case ChangeLocationDetails(), Location():
            return [LocationDetailsChanged(**msgspec.structs.asdict(command))]
        case AssignRegisteredManager(user_id=user_id), Location():
            if user_id == state.registered_manager_id:
                raise InvalidCommand("user_id", "this user is already the registered manager")
            return [RegisteredManagerAssigned(user_id=user_id)]
        case CloseLocation(reason=reason), Location():
            return [LocationClosed(reason=reason)]
    raise InvalidTransition(f"{type(command).__name__} is not possible now")


def evolve_location(state: Location | None, event: Event) -> Location:
    match event:
        case LocationRegistered():
            fields = msgspec.structs.asdict(event)
            return Location(id=fields.pop("location_id"), **fields)
        case LocationDetailsChanged():
            assert state is not None
            return msgspec.structs.replace(state, **msgspec.structs.asdict(event))
        case RegisteredManagerAssigned(user_id=user_id):
            assert state is not None
            return msgspec.structs.replace(state, registered_manager_id=user_id)
        case LocationClosed(reason=reason):
            assert state is not None
            return msgspec.structs.replace(state, status="closed", closed_reason=reason)
    raise TypeError(f"a location does not handle {type(event).__name__}")


def index_location(state: Location) -> RecordIndex:
    return RecordIndex(
        location_id=state.id,
        status=state.status,
        reference=state.cqc_location_id,
        summary={
            "name": state.name,
            "service_type": state.service_type,
            "local_authority": state.local_authority,
            "region_id": str(state.region_id) if state.region_id else None,
        },
    )


LOCATIONS: Decider[Location] = Decider(
    stream_type="location",
    collection="locations",
    events=(LocationRegistered, LocationDetailsChanged, RegisteredManagerAssigned, LocationClosed),
    decide=decide_location,
    evolve=evolve_location,
    index=index_location,
)


class CreateRegion(msgspec.Struct, frozen=True, kw_only=True):
    region_id: UUID
    name: str


class RenameRegion(msgspec.Struct, frozen=True, kw_only=True):
    name: str


class Region(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    name: str


def decide_region(command: object, state: Region | None, context: Context) -> Sequence[Event]:
    match command, state:
        case CreateRegion(region_id=region_id, name=name), None:
            return [RegionCreated(region_id=region_id, name=name)]
        case RenameRegion(name=name), Region():
            return [RegionRenamed(name=name)]
    raise InvalidTransition(f"{type(command).__name__} is not possible now")


def evolve_region(state: Region | None, event: Event) -> Region:
    match event:
        case RegionCreated(region_id=region_id, name=name):
            return Region(id=region_id, name=name)
        case RegionRenamed(name=name):
            assert state is not None
            return msgspec.structs.replace(state, name=name)
    raise TypeError(f"a region does not handle {type(event).__name__}")


REGIONS: Decider[Region] = Decider(
    stream_type="region",
    collection="regions",
    events=(RegionCreated, RegionRenamed),
    decide=decide_region,
    evolve=evolve_region,
    index=lambda region: RecordIndex(
        location_id=None, status="active", summary={"name": region.name}
    ),
)
