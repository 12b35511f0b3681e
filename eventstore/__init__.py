"""A generic, multi-tenant, hash-chained event store on PostgreSQL. Knows nothing of care."""

from eventstore.connection import open_pool
from eventstore.crypto import Keyring
from eventstore.model import (
    REDACTED,
    AppendResult,
    ConcurrencyError,
    EventStoreError,
    IdempotencyConflict,
    NewEvent,
    RecordedEvent,
    StreamRef,
    StreamTypeMismatch,
    SubjectErased,
)
from eventstore.store import ANY_VERSION, EventStore
from eventstore.upcasting import Upcasters
from eventstore.verify import ChainReport, verify_chain

__all__ = [
    "ANY_VERSION",
    "REDACTED",
    "AppendResult",
    "ChainReport",
    "ConcurrencyError",
    "EventStore",
    "EventStoreError",
    "IdempotencyConflict",
    "Keyring",
    "NewEvent",
    "RecordedEvent",
    "StreamRef",
    "StreamTypeMismatch",
    "SubjectErased",
    "Upcasters",
    "open_pool",
    "verify_chain",
]
