"""Who a request reads as, when its caller is an external viewer, and what it disclosed.

The middleware opens one `ExternalRequest` per HTTP request; `current_principal` fills it in
when the caller turns out to be a local authority or regulator user. From then on every
`tenant_transaction` of the request for another tenant binds `app.external_org` instead of
that tenant (eventstore.connection.read_binding), so PostgreSQL shows only granted homes'
rows. The object is shared by reference, so tasks the request spawns (Litestar resolves
dependencies in a task group) see what it holds even when it is filled after they start.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventstore.connection import read_binding
from services.access.schema import EXTERNAL_SETTING


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

    def binding(self, tenant_id: UUID) -> tuple[str, str] | None:
        """An external viewer reads its own organisation as a tenant (its users), and every
        other tenant only through its grants."""
        if self.organisation_id is None or tenant_id == self.organisation_id:
            return None
        return EXTERNAL_SETTING, str(self.organisation_id)


_current: ContextVar[ExternalRequest | None] = ContextVar("external_request", default=None)


@contextmanager
def request_scope() -> Iterator[ExternalRequest]:
    """One request's scope (the middleware opens it around the whole request)."""
    slot = ExternalRequest()
    token, bound = _current.set(slot), read_binding.set(slot.binding)
    try:
        yield slot
    finally:
        read_binding.reset(bound)
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


@contextmanager
def as_system() -> Iterator[None]:
    """Work the system does on a request's behalf without disclosing it (catching projections
    up): bound to whole tenants as usual, whoever the caller is. Never return its rows."""
    token = read_binding.set(None)
    try:
        yield
    finally:
        read_binding.reset(token)
