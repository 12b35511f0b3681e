"""People whose personal data we hold (residents, staff, relatives, complainants). Pure."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import msgspec

from services.kernel.decider import Context, Decider, RecordIndex
from services.kernel.errors import InvalidTransition
from services.kernel.events import Event
from services.organisations.events import (
    PersonDetailsCorrected,
    PersonErased,
    PersonKind,
    PersonRecorded,
)


class RecordPerson(msgspec.Struct, frozen=True, kw_only=True):
    person_id: UUID
    kind: PersonKind
    name: str
    date_of_birth: str | None = None
    contact: str | None = None
    location_id: UUID | None = None


class CorrectPersonDetails(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    date_of_birth: str | None = None
    contact: str | None = None


class ErasePerson(msgspec.Struct, frozen=True, kw_only=True):
    reason: str


class Person(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    kind: PersonKind
    name: str
    date_of_birth: str | None
    contact: str | None
    location_id: UUID | None
    erased: bool = False


def decide_person(command: object, state: Person | None, context: Context) -> Sequence[Event]:
    match command, state:
        case RecordPerson(), None:
            return [PersonRecorded(**msgspec.structs.asdict(command))]
        case _, Person(erased=True):
            raise InvalidTransition("this person's personal data has been erased")
        case CorrectPersonDetails(), Person():
            return [PersonDetailsCorrected(person_id=state.id, **msgspec.structs.asdict(command))]
        case ErasePerson(reason=reason), Person():
            return [PersonErased(reason=reason)]
    raise InvalidTransition(f"{type(command).__name__} is not possible now")


def evolve_person(state: Person | None, event: Event) -> Person:
    match event:
        case PersonRecorded():
            fields = msgspec.structs.asdict(event)
            return Person(id=fields.pop("person_id"), **fields)
        case PersonDetailsCorrected(name=name, date_of_birth=dob, contact=contact):
            assert state is not None
            return msgspec.structs.replace(state, name=name, date_of_birth=dob, contact=contact)
        case PersonErased():
            assert state is not None
            return msgspec.structs.replace(state, erased=True)
    raise TypeError(f"a person does not handle {type(event).__name__}")


PEOPLE: Decider[Person] = Decider(
    stream_type="person",
    collection="people",
    events=(PersonRecorded, PersonDetailsCorrected, PersonErased),
    decide=decide_person,
    evolve=evolve_person,
    index=lambda p: RecordIndex(
        location_id=p.location_id,
        status="erased" if p.erased else "active",
        summary={"kind": p.kind},
    ),
    hydrate_lists=True,
)
