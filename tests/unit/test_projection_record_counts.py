"""record_counts and the pure projection fold: given events, when more arrive, then documents."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from itertools import count
from uuid import UUID, uuid4

from eventstore import RecordedEvent
from projections import RECORD_COUNTS, Document, Projection, evolve_documents, with_changes
from projections.record_counts import GROUP_WIDE

TENANT = uuid4()
HOME_A, HOME_B = uuid4(), uuid4()


class Log:
    """Events as the store would record them: seqs in order, versions per stream."""

    def __init__(self) -> None:
        self._seq = count(1)
        self._versions: dict[UUID, int] = {}

    def event(self, stream_type: str, stream_id: UUID, location: UUID | None) -> RecordedEvent:
        version = self._versions[stream_id] = self._versions.get(stream_id, 0) + 1
        return RecordedEvent(
            tenant_id=TENANT,
            seq=next(self._seq),
            event_id=uuid4(),
            stream_type=stream_type,
            stream_id=stream_id,
            version=version,
            type=f"{stream_type.title()}Changed",
            schema_version=1,
            data={},
            metadata={},
            subject_id=None,
            location_id=location,
            recorded_at=datetime.now(UTC),
        )


Documents = dict[str, Document]


def given(events: Sequence[RecordedEvent], projection: Projection = RECORD_COUNTS) -> Documents:
    return with_changes({}, evolve_documents(projection, {}, events))


def when(
    documents: Documents, events: Sequence[RecordedEvent], projection: Projection = RECORD_COUNTS
) -> Documents:
    return with_changes(documents, evolve_documents(projection, documents, events))


def counts(documents: dict[str, Document]) -> dict[str, tuple[int, int]]:
    return {doc_id: (doc["records"], doc["events"]) for doc_id, doc in documents.items()}


def test_a_records_first_event_counts_the_record_and_the_event() -> None:
    log = Log()
    then = given([log.event("incident", uuid4(), HOME_A)])
    assert counts(then) == {f"{HOME_A}:incident": (1, 1)}
    assert then[f"{HOME_A}:incident"]["location_id"] == str(HOME_A)


def test_later_events_of_the_same_record_count_only_as_events() -> None:
    log, incident = Log(), uuid4()
    documents = given([log.event("incident", incident, HOME_A)])
    then = when(documents, [log.event("incident", incident, HOME_A) for _ in range(3)])
    assert counts(then) == {f"{HOME_A}:incident": (1, 4)}


def test_homes_and_record_types_are_counted_apart() -> None:
    log, action = Log(), uuid4()
    then = given(
        [
            log.event("incident", uuid4(), HOME_A),
            log.event("incident", uuid4(), HOME_A),
            log.event("incident", uuid4(), HOME_B),
            log.event("action", action, HOME_A),
            log.event("action", action, HOME_A),
        ]
    )
    assert counts(then) == {
        f"{HOME_A}:incident": (2, 2),
        f"{HOME_B}:incident": (1, 1),
        f"{HOME_A}:action": (1, 2),
    }


def test_events_of_no_home_are_counted_for_the_group() -> None:
    log = Log()
    then = given([log.event("provider-group", TENANT, None), log.event("user", uuid4(), None)])
    assert counts(then) == {f"{GROUP_WIDE}:provider-group": (1, 1), f"{GROUP_WIDE}:user": (1, 1)}
    assert then[f"{GROUP_WIDE}:user"]["location_id"] is None


def test_the_same_events_applied_twice_change_nothing() -> None:
    log, complaint = Log(), uuid4()
    events = [
        log.event("complaint", complaint, HOME_A),
        log.event("complaint", complaint, HOME_A),
        log.event("audit", uuid4(), HOME_B),
    ]
    documents = given(events)

    assert evolve_documents(RECORD_COUNTS, documents, events) == {}
    assert when(documents, events) == documents
    assert when(documents, events[1:]) == documents  # an overlapping batch, say after a retry


def test_batch_by_batch_gives_what_one_pass_gives() -> None:
    log = Log()
    streams = [uuid4() for _ in range(4)]
    events = [log.event("action", streams[i % 4], (HOME_A, HOME_B, None)[i % 3]) for i in range(30)]
    documents: dict[str, Document] = {}
    for start in range(0, len(events), 7):
        documents = when(documents, events[start : start + 7])
    assert documents == given(events)


def test_a_projection_sees_only_the_event_types_it_handles() -> None:
    log = Log()
    incidents_only = Projection(
        name="incident_counts",
        version=1,
        handles=frozenset({"IncidentChanged"}),
        document_ids=RECORD_COUNTS.document_ids,
        evolve=RECORD_COUNTS.evolve,
    )
    events = [log.event("incident", uuid4(), HOME_A), log.event("audit", uuid4(), HOME_A)]
    then = given(events, incidents_only)
    assert counts(then) == {f"{HOME_A}:incident": (1, 1)}


def test_a_document_evolved_to_none_is_removed() -> None:
    log = Log()
    forgetful = Projection(
        name="forgetful",
        version=1,
        handles=None,
        document_ids=lambda event: ("only",),
        evolve=lambda doc, event: None if event.version > 1 else {"seq": event.seq},
    )
    stream = uuid4()
    documents = given([log.event("note", stream, None)], forgetful)
    assert documents == {"only": {"seq": 1}}
    changes = evolve_documents(forgetful, documents, [log.event("note", stream, None)])
    assert changes == {"only": None}
    assert with_changes(documents, changes) == {}
