"""Domain events as frozen msgspec Structs, and their mapping to and from the event store.

A field named in `personal` is encrypted under the data subject named by `subject_field`;
personal fields are `str`, so that after erasure they can read as the redaction marker.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

import msgspec

from eventstore import NewEvent, RecordedEvent


class Event(msgspec.Struct, frozen=True, kw_only=True):
    """A past-tense fact about one record. Subclasses are the contexts' public contract."""

    personal: ClassVar[tuple[str, ...]] = ()
    subject_field: ClassVar[str | None] = None
    schema_version: ClassVar[int] = 1

    @classmethod
    def type_name(cls) -> str:
        return cls.__name__


class Envelope(msgspec.Struct, frozen=True, kw_only=True):
    """A decoded event with who did it and when: what evolve, history and views see."""

    event: Event
    version: int
    seq: int
    recorded_at: datetime
    actor: str | None
    redacted: bool = False


def to_new_event(event: Event, location_id: UUID | None) -> NewEvent:
    fields = msgspec.to_builtins(event)
    personal = {name: fields.pop(name) for name in event.personal if name in fields}
    subject = getattr(event, event.subject_field) if event.subject_field else None
    return NewEvent(
        type=event.type_name(),
        data=fields,
        personal=personal or None,
        subject_id=subject if personal else None,
        location_id=location_id,
        schema_version=event.schema_version,
    )


class EventRegistry:
    """Event type name → Struct class, for every context."""

    def __init__(self) -> None:
        self._types: dict[str, type[Event]] = {}

    def add(self, *types: type[Event]) -> None:
        for event_type in types:
            existing = self._types.get(event_type.type_name())
            if existing is not None and existing is not event_type:
                raise ValueError(f"two event types are called {event_type.type_name()}")
            self._types[event_type.type_name()] = event_type

    def decode(self, recorded: RecordedEvent) -> Envelope:
        event_type = self._types[recorded.type]
        event = msgspec.convert(recorded.data, event_type, strict=False)
        return Envelope(
            event=event,
            version=recorded.version,
            seq=recorded.seq,
            recorded_at=recorded.recorded_at,
            actor=recorded.metadata.get("actor"),
            redacted=recorded.redacted,
        )

    def __contains__(self, name: str) -> bool:
        return name in self._types


def plain(value: Any) -> Any:
    return msgspec.to_builtins(value)
