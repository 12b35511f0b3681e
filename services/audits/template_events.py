"""Events of audit templates: a tenant's versioned question sets mapped to quality statements."""

from __future__ import annotations

from uuid import UUID

import msgspec

from services.kernel.events import Event


class Question(msgspec.Struct, frozen=True, kw_only=True):
    """One yes / no / N/A question; its id stays the same across template versions."""

    id: UUID
    text: str
    quality_statement: str
    #: The starter-library question it was copied from, if any.
    library_key: str | None = None


class AuditTemplateCreated(Event, frozen=True, kw_only=True):
    template_id: UUID
    name: str
    framework: str
    questions: tuple[Question, ...]
    green_at: float
    amber_at: float
    library_key: str | None = None


class AuditTemplateRevised(Event, frozen=True, kw_only=True):
    """Template version `template_version` replaces the previous one; audits keep theirs."""

    template_id: UUID
    template_version: int
    name: str
    questions: tuple[Question, ...]
    green_at: float
    amber_at: float


class AuditTemplateRetired(Event, frozen=True, kw_only=True):
    template_id: UUID


TEMPLATE_EVENTS: tuple[type[Event], ...] = (
    AuditTemplateCreated,
    AuditTemplateRevised,
    AuditTemplateRetired,
)
