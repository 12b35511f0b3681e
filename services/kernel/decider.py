"""A record type as a decider: pure decide and evolve, plus how its state is indexed for lists."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

import msgspec

from services.kernel.events import Envelope, Event

S = TypeVar("S")


@dataclass(frozen=True, slots=True)
class Context:
    """Everything decide may know beyond the command and the state, gathered by the shell."""

    actor: UUID
    now: datetime
    settings: Mapping[str, Any] = field(default_factory=dict)
    facts: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RecordIndex:
    """The non-personal row a record keeps in the `records` table for lists and filters."""

    location_id: UUID | None
    status: str
    key_date: datetime | None = None
    reference: str | None = None
    summary: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Decider(Generic[S]):
    """One record type. `decide(command, state, context)` → events; `evolve(state, event)` → state
    (state is None before the first event). Both pure: no I/O, no clock, no randomness."""

    stream_type: str
    collection: str
    events: tuple[type[Event], ...]
    decide: Callable[[Any, S | None, Context], Sequence[Event]]
    evolve: Callable[[S | None, Event], S]
    index: Callable[[S], RecordIndex]
    #: Lists fold each record's stream (for records whose useful fields are personal).
    hydrate_lists: bool = False

    def fold(self, events: Iterable[Event], state: S | None = None) -> S | None:
        for event in events:
            state = self.evolve(state, event)
        return state

    def fold_envelopes(self, envelopes: Iterable[Envelope]) -> S | None:
        return self.fold(e.event for e in envelopes)


def dispatch(
    handlers: Mapping[type, Callable[[Any, S | None, Context], Sequence[Event]]], record: str
) -> Callable[[Any, S | None, Context], Sequence[Event]]:
    """A decide that hands each command type to its own pure function."""

    def decide(command: Any, state: S | None, context: Context) -> Sequence[Event]:
        handler = handlers.get(type(command))
        if handler is None:
            raise TypeError(f"{record} do not handle {type(command).__name__}")
        return handler(command, state, context)

    return decide


def changed_fields(before: Any, after: Any) -> dict[str, dict[str, Any]]:
    """Field → {old, new} for every top-level field that differs between two states."""
    old = msgspec.to_builtins(before) if before is not None else {}
    new = msgspec.to_builtins(after) if after is not None else {}
    return {
        name: {"old": old.get(name), "new": new.get(name)}
        for name in sorted(set(old) | set(new))
        if old.get(name) != new.get(name)
    }
