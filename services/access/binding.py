"""Which external viewer a request is for, and what it disclosed, for the access log.

The middleware opens one `ExternalRequest` per HTTP request; `current_principal` fills it in
when the caller turns out to be a local authority or regulator user, and the reads of the
request note in it what they showed. (Whom a read is bound as under row-level security is not
kept here: the principal says it, `Principal.binding`, and each read is passed it.) The object
is shared by reference, so tasks the request spawns (Litestar resolves dependencies in a task
group) see what it holds even when it is filled after they start.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID


@dataclass
class Disclosure:
    """What one provider tenant's data a response showed: homes and records, ids only."""

    location_ids: set[UUID] = field(default_factory=set)
    records: dict[tuple[str, UUID], None] = field(default_factory=dict)


@dataclass
class ExternalRequest:
    organisation_id: UUID | None = None
    organisation_kind: str | None = None
    user_id: UUID | None = None
    #: The external principal, once resolved (guards and the dependency both ask for it).
    resolved: Any = None
    disclosed: dict[UUID, Disclosure] = field(default_factory=dict)


_current: ContextVar[ExternalRequest | None] = ContextVar("external_request", default=None)


@contextmanager
def request_scope() -> Iterator[ExternalRequest]:
    """One request's scope (the middleware opens it around the whole request)."""
    slot = ExternalRequest()
    token = _current.set(slot)
    try:
        yield slot
    finally:
        _current.reset(token)


def current_request() -> ExternalRequest:
    """This request's scope; outside one an external viewer is refused (fail closed)."""
    slot = _current.get()
    if slot is None:
        raise RuntimeError("an external viewer's request must run inside request_scope()")
    return slot


def bind_viewer(organisation_id: UUID, organisation_kind: str, user_id: UUID) -> ExternalRequest:
    slot = current_request()
    slot.organisation_id, slot.organisation_kind, slot.user_id = (
        organisation_id,
        organisation_kind,
        user_id,
    )
    return slot


def disclose(
    tenant_id: UUID,
    location_ids: Iterable[UUID],
    records: Iterable[tuple[str, UUID]] = (),
) -> None:
    """Note what of `tenant_id` this response shows an external viewer, for the access log."""
    slot = _current.get()
    if slot is None or slot.organisation_id is None:
        return
    disclosure = slot.disclosed.setdefault(tenant_id, Disclosure())
    disclosure.location_ids.update(location_ids)
    for record in records:
        disclosure.records[record] = None


def is_external_request() -> bool:
    slot = _current.get()
    return slot is not None and slot.organisation_id is not None
