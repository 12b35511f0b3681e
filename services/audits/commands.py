"""What staff can ask of an audit: imperative commands, plain values only."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import msgspec

from services.audits.events import Answer


class ScheduleAudit(msgspec.Struct, frozen=True, kw_only=True):
    """Needs `facts["template"]`: the TemplateSnapshot of the template's current version."""

    audit_id: UUID
    location_id: UUID
    template_id: UUID
    due_date: date


class StartAudit(msgspec.Struct, frozen=True):
    pass


class RecordAnswers(msgspec.Struct, frozen=True, kw_only=True):
    answers: tuple[Answer, ...]


class CompleteAudit(msgspec.Struct, frozen=True, kw_only=True):
    """The last answers; with the earlier ones they must answer every question."""

    answers: tuple[Answer, ...] = ()


class LinkFinding(msgspec.Struct, frozen=True, kw_only=True):
    """Needs `facts["action_location_id"]`: the home of the action (None if group-wide)."""

    finding_id: UUID
    action_id: UUID


class RequestFindingAction(msgspec.Struct, frozen=True, kw_only=True):
    """Ask for a new draft action `action_id` (its id chosen by the shell) for a finding."""

    finding_id: UUID
    action_id: UUID
    owner_id: UUID
    due_date: date


class CancelAudit(msgspec.Struct, frozen=True, kw_only=True):
    reason: str
