"""The event store's public types: what callers append, what they read back, what can go wrong."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

#: What a personal field reads as once its data subject has been erased.
REDACTED = "[erased]"


@dataclass(frozen=True, slots=True)
class StreamRef:
    """One event stream: a record of some type, identified by a UUID."""

    type: str
    id: UUID


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event to append. `personal` fields are encrypted under `subject_id`'s key."""

    type: str
    data: Mapping[str, Any]
    personal: Mapping[str, Any] | None = None
    subject_id: UUID | None = None
    location_id: UUID | None = None
    schema_version: int = 1
    event_id: UUID = field(default_factory=uuid4)

    def __post_init__(self) -> None:
        if self.personal and self.subject_id is None:
            raise ValueError(
                f"{self.type}: personal fields need a subject_id to encrypt them under"
            )
        if self.personal and set(self.personal) & set(self.data):
            raise ValueError(f"{self.type}: a field cannot be both personal and non-personal")


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """A stored event as read back: personal fields decrypted (or redacted) and upcast."""

    tenant_id: UUID
    seq: int
    event_id: UUID
    stream_type: str
    stream_id: UUID
    version: int
    type: str
    schema_version: int
    data: dict[str, Any]
    metadata: dict[str, Any]
    subject_id: UUID | None
    location_id: UUID | None
    recorded_at: datetime
    redacted: bool = False


@dataclass(frozen=True, slots=True)
class AppendResult:
    """The stream version after the append and the tenant `seq` of its last event."""

    stream_version: int
    last_seq: int
    duplicate: bool = False


class EventStoreError(Exception):
    """Base of every error the event store raises."""


class ConcurrencyError(EventStoreError):
    """The stream is not at the version the caller expected: someone else wrote first."""

    def __init__(self, stream_id: UUID, expected: int | None, actual: int) -> None:
        super().__init__(f"stream {stream_id}: expected version {expected}, actual {actual}")
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


class IdempotencyConflict(EventStoreError):
    """An idempotency key was reused for a different request."""

    def __init__(self, key: str) -> None:
        super().__init__(f"idempotency key {key!r} was already used for a different request")
        self.key = key


class StreamTypeMismatch(EventStoreError):
    """Appending to an existing stream under a different stream type."""


class SubjectErased(EventStoreError):
    """Personal data cannot be stored for a data subject whose key was destroyed."""

    def __init__(self, subject_id: UUID) -> None:
        super().__init__(f"data subject {subject_id} has been erased")
        self.subject_id = subject_id
