"""What a projection is: a pure `evolve(document, event)` over the event types it handles."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eventstore import RecordedEvent

#: One read-model row: a JSON object, identified within its projection by a text id.
Document = dict[str, Any]

#: What a batch does to a projection's documents: the new document, or None to remove it.
Changes = dict[str, Document | None]

#: `Projection.handles` for a projection that looks at every event (generic views).
EVERY_EVENT_TYPE: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class Projection:
    """A read model: which events it handles, which documents an event touches and how each
    document changes. `document_ids` and `evolve` are pure, so the runner can replay them
    from seq 1 into a fresh generation at any time.

    Bump `version` whenever `document_ids` or `evolve` change meaning: the runner then
    rebuilds the projection, tenant by tenant, and swaps the new documents in."""

    name: str
    version: int
    handles: frozenset[str] | None
    document_ids: Callable[[RecordedEvent], Iterable[str]]
    evolve: Callable[[Document | None, RecordedEvent], Document | None]
    #: A compact form of each document, for views that need only part of it (and reading the
    #: whole would cost what the document holds): the runner stores `summary(doc)` beside every
    #: document it writes (`projection_documents.summary`). Pure; None: no summary.
    summary: Callable[[Document], Document] | None = None

    def __post_init__(self) -> None:
        if not self.name or self.version < 1:
            raise ValueError("a projection needs a name and a version of at least 1")

    def wants(self, event: RecordedEvent) -> bool:
        return self.handles is None or event.type in self.handles


def touched_ids(projection: Projection, events: Iterable[RecordedEvent]) -> set[str]:
    """The ids of every document these events touch: what the runner loads before a batch."""
    return {
        doc_id
        for event in events
        if projection.wants(event)
        for doc_id in projection.document_ids(event)
    }


def evolve_documents(
    projection: Projection, documents: Mapping[str, Document], events: Sequence[RecordedEvent]
) -> Changes:
    """Fold `events` into `documents` (which must hold every touched id that exists) and
    return only the documents that end up different: the batch's row changes."""
    current: dict[str, Document | None] = dict(documents)
    for event in events:
        if not projection.wants(event):
            continue
        for doc_id in projection.document_ids(event):
            current[doc_id] = projection.evolve(current.get(doc_id), event)
    return {doc_id: doc for doc_id, doc in current.items() if doc != documents.get(doc_id)}


def with_changes(documents: Mapping[str, Document], changes: Changes) -> dict[str, Document]:
    """The documents after a batch's changes (None removes a document)."""
    result = dict(documents)
    for doc_id, doc in changes.items():
        if doc is None:
            result.pop(doc_id, None)
        else:
            result[doc_id] = doc
    return result
