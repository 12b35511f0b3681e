"""What can happen to a complaint: the complaints context's public contract."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from services.kernel.events import Event

Channel = Literal["email", "letter", "phone", "in_person", "web", "other"]
ComplaintOutcome = Literal["upheld", "partly_upheld", "not_upheld"]
EscalationBody = Literal["ombudsman"]
ComplaintStatus = Literal[
    "received", "acknowledged", "investigating", "responded", "closed", "escalated"
]


class ComplaintReceived(Event, frozen=True, kw_only=True):
    """A complaint came in; its deadlines were fixed from the tenant's policy at that moment."""

    complaint_id: UUID
    reference: str
    location_id: UUID
    received_at: datetime
    channel: Channel
    summary: str
    complainant_id: UUID | None = None
    about_person_id: UUID | None = None
    acknowledge_working_days: int
    response_working_days: int
    acknowledge_by: date
    respond_by: date


class ComplaintAcknowledged(Event, frozen=True, kw_only=True):
    acknowledged_at: datetime
    late: bool


class ComplaintInvestigationStarted(Event, frozen=True, kw_only=True):
    """An investigator took the complaint on (again, when it is handed to someone else)."""

    investigator_id: UUID
    started_at: datetime


class ComplaintResponded(Event, frozen=True, kw_only=True):
    """The provider's full response was sent to the complainant."""

    outcome: ComplaintOutcome
    responded_at: datetime
    summary: str
    late: bool


class ComplaintResponseDeadlineExtended(Event, frozen=True, kw_only=True):
    """The complainant agreed to a later response date."""

    previous_respond_by: date
    new_respond_by: date
    reason: str


class ComplaintClosed(Event, frozen=True, kw_only=True):
    closed_at: datetime
    note: str | None = None


class ComplaintEscalated(Event, frozen=True, kw_only=True):
    """The complainant took the complaint to the Local Government and Social Care Ombudsman."""

    to: EscalationBody
    escalated_at: datetime
    reference: str | None = None


class ComplaintReopened(Event, frozen=True, kw_only=True):
    """Work on the complaint resumed, with a fresh response deadline counted from today."""

    reason: str
    reopened_at: datetime
    respond_by: date


COMPLAINT_EVENTS: tuple[type[Event], ...] = (
    ComplaintReceived,
    ComplaintAcknowledged,
    ComplaintInvestigationStarted,
    ComplaintResponded,
    ComplaintResponseDeadlineExtended,
    ComplaintClosed,
    ComplaintEscalated,
    ComplaintReopened,
)
