"""Complaint request bodies and the read model, with their size and value limits."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import msgspec

from services.complaints.decide import Complaint, age_working_days
from services.complaints.events import Channel, ComplaintOutcome, ComplaintStatus, EscalationBody

Moment = Annotated[datetime, msgspec.Meta(tz=True, description="with a UTC offset")]
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=5000)]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
Note = Annotated[str, msgspec.Meta(max_length=2000)]
ExternalReference = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class ReceiveComplaintBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    location_id: UUID
    received_at: Moment
    channel: Channel
    summary: Text
    complainant_id: UUID | None = None
    about_person_id: UUID | None = None


class AcknowledgeBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    acknowledged_at: Moment


class InvestigateBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    investigator_id: UUID
    started_at: Moment | None = None


class RespondBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    outcome: ComplaintOutcome
    responded_at: Moment
    summary: Text


class ExtendBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A later response date the complainant agreed to."""

    new_respond_by: date
    reason: Reason


class CloseBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    note: Note | None = None


class EscalateBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """`to`: the Local Government and Social Care Ombudsman; `reference`: its case number."""

    to: EscalationBody
    escalated_at: Moment
    reference: ExternalReference | None = None


class ReopenBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    reason: Reason


class ComplaintRead(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    reference: str
    location_id: UUID
    status: ComplaintStatus
    received_at: datetime
    channel: Channel
    summary: str
    complainant_id: UUID | None
    about_person_id: UUID | None
    acknowledge_by: date
    respond_by: date
    acknowledged_at: datetime | None
    acknowledged_late: bool
    investigator_id: UUID | None
    investigation_started_at: datetime | None
    outcome: ComplaintOutcome | None
    responded_at: datetime | None
    response_summary: str | None
    responded_late: bool
    extensions: int
    closed_at: datetime | None
    close_note: str | None
    escalated_to: EscalationBody | None
    escalated_at: datetime | None
    ombudsman_reference: str | None
    reopened_at: datetime | None
    reopen_reason: str | None
    age_working_days: int


def to_read(state: Complaint, today: date) -> ComplaintRead:
    """The read model; `today` (in England) is passed in so this stays pure."""
    age = age_working_days(state, today)
    return ComplaintRead(**msgspec.structs.asdict(state), age_working_days=age)
