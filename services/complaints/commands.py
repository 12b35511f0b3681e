"""What staff can ask of a complaint: imperative commands, plain values only."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

import msgspec

from services.complaints.events import Channel, ComplaintOutcome, EscalationBody


class ReceiveComplaint(msgspec.Struct, frozen=True, kw_only=True):
    complaint_id: UUID
    location_id: UUID
    received_at: datetime
    channel: Channel
    summary: str
    complainant_id: UUID | None = None
    about_person_id: UUID | None = None


class AcknowledgeComplaint(msgspec.Struct, frozen=True, kw_only=True):
    acknowledged_at: datetime


class InvestigateComplaint(msgspec.Struct, frozen=True, kw_only=True):
    investigator_id: UUID
    started_at: datetime | None = None


class RespondToComplaint(msgspec.Struct, frozen=True, kw_only=True):
    outcome: ComplaintOutcome
    responded_at: datetime
    summary: str


class ExtendResponseDeadline(msgspec.Struct, frozen=True, kw_only=True):
    new_respond_by: date
    reason: str


class CloseComplaint(msgspec.Struct, frozen=True, kw_only=True):
    note: str | None = None


class EscalateComplaint(msgspec.Struct, frozen=True, kw_only=True):
    to: EscalationBody
    escalated_at: datetime
    reference: str | None = None


class ReopenComplaint(msgspec.Struct, frozen=True, kw_only=True):
    reason: str
