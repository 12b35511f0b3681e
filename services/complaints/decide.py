"""A complaint as a decider: pure decide and evolve over working-day deadlines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

import msgspec

from services.complaints.commands import (
    AcknowledgeComplaint,
    CloseComplaint,
    EscalateComplaint,
    ExtendResponseDeadline,
    InvestigateComplaint,
    ReceiveComplaint,
    ReopenComplaint,
    RespondToComplaint,
)
from services.complaints.events import (
    COMPLAINT_EVENTS,
    Channel,
    ComplaintAcknowledged,
    ComplaintClosed,
    ComplaintEscalated,
    ComplaintInvestigationStarted,
    ComplaintOutcome,
    ComplaintReceived,
    ComplaintReopened,
    ComplaintResponded,
    ComplaintResponseDeadlineExtended,
    ComplaintStatus,
    EscalationBody,
)
from services.kernel.calendar import add_working_days, local_date, working_days_between
from services.kernel.decider import Context, Decider, RecordIndex
from services.kernel.errors import InvalidCommand, InvalidTransition
from services.kernel.events import Event
from services.kernel.tenant_settings import TenantSetting

ACKNOWLEDGE_SETTING = "complaints.acknowledge_working_days"
RESPONSE_SETTING = "complaints.response_working_days"
DEFAULT_ACKNOWLEDGE_WORKING_DAYS = 3
DEFAULT_RESPONSE_WORKING_DAYS = 20
#: The deadlines as tenant settings: at least a working day (0 would be ignored), at most a
#: working year.
SETTINGS = {
    ACKNOWLEDGE_SETTING: TenantSetting(DEFAULT_ACKNOWLEDGE_WORKING_DAYS, 1, 260),
    RESPONSE_SETTING: TenantSetting(DEFAULT_RESPONSE_WORKING_DAYS, 1, 260),
}
REFERENCE_PREFIX = "CMP"

#: Before the provider's full response: the response deadline still runs.
AWAITING_RESPONSE = frozenset({"received", "acknowledged", "investigating"})


class Complaint(msgspec.Struct, frozen=True, kw_only=True):
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
    acknowledged_at: datetime | None = None
    acknowledged_late: bool = False
    investigator_id: UUID | None = None
    investigation_started_at: datetime | None = None
    outcome: ComplaintOutcome | None = None
    responded_at: datetime | None = None
    response_summary: str | None = None
    responded_late: bool = False
    extensions: int = 0
    closed_at: datetime | None = None
    close_note: str | None = None
    escalated_to: EscalationBody | None = None
    escalated_at: datetime | None = None
    ombudsman_reference: str | None = None
    reopened_at: datetime | None = None
    reopen_reason: str | None = None


def working_days_setting(settings: Mapping[str, Any], key: str, default: int) -> int:
    """A tenant's deadline in working days; the default when it is missing or not a count."""
    value = settings.get(key, default)
    valid = isinstance(value, int) and not isinstance(value, bool) and value > 0
    return value if valid else default


def acknowledge_days(settings: Mapping[str, Any]) -> int:
    return working_days_setting(settings, ACKNOWLEDGE_SETTING, DEFAULT_ACKNOWLEDGE_WORKING_DAYS)


def response_days(settings: Mapping[str, Any]) -> int:
    return working_days_setting(settings, RESPONSE_SETTING, DEFAULT_RESPONSE_WORKING_DAYS)


def age_working_days(state: Complaint, today: date) -> int:
    """Working days since receipt: until today while open, until closure once closed."""
    end = local_date(state.closed_at) if state.closed_at else today
    return working_days_between(local_date(state.received_at), end)


def decide(command: object, state: Complaint | None, context: Context) -> Sequence[Event]:
    match command, state:
        case ReceiveComplaint(), None:
            return [_receive(command, context)]
        case ReceiveComplaint(), Complaint():
            raise InvalidTransition("this complaint has already been received")
        case AcknowledgeComplaint(acknowledged_at=at), Complaint(status="received"):
            _check_moment("acknowledged_at", at, state, context)
            late = local_date(at) > state.acknowledge_by
            return [ComplaintAcknowledged(acknowledged_at=at, late=late)]
        case InvestigateComplaint(), Complaint(status="acknowledged" | "investigating"):
            return [_investigate(command, state, context)]
        case RespondToComplaint(), Complaint(status="acknowledged" | "investigating"):
            return [_respond(command, state, context)]
        case ExtendResponseDeadline(), Complaint(status=status) if status in AWAITING_RESPONSE:
            return [_extend(command, state)]
        case CloseComplaint(note=note), Complaint(status="responded" | "escalated"):
            return [ComplaintClosed(closed_at=context.now, note=note)]
        case EscalateComplaint(), Complaint():
            return [_escalate(command, state, context)]
        case ReopenComplaint(reason=reason), Complaint(status="responded" | "closed" | "escalated"):
            _require_text("reason", reason)
            return [_reopen(reason, context)]
        case _, None:
            raise InvalidTransition("there is no such complaint")
    assert state is not None
    name = type(command).__name__
    raise InvalidTransition(f"{name} is not possible while the complaint is {state.status}")


def _receive(command: ReceiveComplaint, context: Context) -> ComplaintReceived:
    if command.received_at > context.now:
        raise InvalidCommand("received_at", "must not be in the future")
    _require_text("summary", command.summary)
    acknowledge, respond = acknowledge_days(context.settings), response_days(context.settings)
    received_on = local_date(command.received_at)
    return ComplaintReceived(
        **msgspec.structs.asdict(command),
        reference=context.facts["reference"],
        acknowledge_working_days=acknowledge,
        response_working_days=respond,
        acknowledge_by=add_working_days(received_on, acknowledge),
        respond_by=add_working_days(received_on, respond),
    )


def _investigate(command: InvestigateComplaint, state: Complaint, context: Context) -> Event:
    """`facts["investigator_homes"]`: the homes the investigator may see (None: all of them)."""
    if command.investigator_id == state.investigator_id and state.status == "investigating":
        raise InvalidCommand("investigator_id", "this user is already investigating the complaint")
    homes = context.facts.get("investigator_homes")
    if homes is not None and state.location_id not in homes:
        raise InvalidCommand("investigator_id", "this user has no access to the complaint's home")
    started_at = command.started_at or context.now
    _check_moment("started_at", started_at, state, context)
    return ComplaintInvestigationStarted(
        investigator_id=command.investigator_id, started_at=started_at
    )


def _respond(command: RespondToComplaint, state: Complaint, context: Context) -> Event:
    _check_moment("responded_at", command.responded_at, state, context)
    _require_text("summary", command.summary)
    late = local_date(command.responded_at) > state.respond_by
    return ComplaintResponded(
        outcome=command.outcome,
        responded_at=command.responded_at,
        summary=command.summary,
        late=late,
    )


def _extend(command: ExtendResponseDeadline, state: Complaint) -> Event:
    if command.new_respond_by <= state.respond_by:
        message = f"must be after the current deadline {state.respond_by}"
        raise InvalidCommand("new_respond_by", message)
    _require_text("reason", command.reason)
    return ComplaintResponseDeadlineExtended(
        previous_respond_by=state.respond_by,
        new_respond_by=command.new_respond_by,
        reason=command.reason,
    )


def _escalate(command: EscalateComplaint, state: Complaint, context: Context) -> Event:
    """The Ombudsman looks at a complaint after the provider's final response, or once the
    provider has run past its response deadline."""
    if state.escalated_at is not None:
        raise InvalidTransition("this complaint has already been escalated")
    _check_moment("escalated_at", command.escalated_at, state, context)
    overdue = local_date(command.escalated_at) > state.respond_by
    if state.status not in ("responded", "closed") and not overdue:
        raise InvalidTransition(
            "a complaint goes to the Ombudsman after the response, or once the response is overdue"
        )
    return ComplaintEscalated(
        to=command.to, escalated_at=command.escalated_at, reference=command.reference
    )


def _reopen(reason: str, context: Context) -> Event:
    respond_by = add_working_days(local_date(context.now), response_days(context.settings))
    return ComplaintReopened(reason=reason, reopened_at=context.now, respond_by=respond_by)


def _check_moment(field: str, moment: datetime, state: Complaint, context: Context) -> None:
    if moment > context.now:
        raise InvalidCommand(field, "must not be in the future")
    if moment < state.received_at:
        raise InvalidCommand(field, "must not be before the complaint was received")


def _require_text(field: str, text: str) -> None:
    if not text.strip():
        raise InvalidCommand(field, "must not be blank")


def evolve(state: Complaint | None, event: Event) -> Complaint:
    if isinstance(event, ComplaintReceived):
        fields = msgspec.structs.asdict(event)
        del fields["acknowledge_working_days"], fields["response_working_days"]
        return Complaint(id=fields.pop("complaint_id"), status="received", **fields)
    assert state is not None, f"{type(event).__name__} before ComplaintReceived"
    replace = msgspec.structs.replace
    match event:
        case ComplaintAcknowledged(acknowledged_at=at, late=late):
            return replace(state, status="acknowledged", acknowledged_at=at, acknowledged_late=late)
        case ComplaintInvestigationStarted(investigator_id=investigator, started_at=at):
            return replace(
                state,
                status="investigating",
                investigator_id=investigator,
                investigation_started_at=at,
            )
        case ComplaintResponded(outcome=outcome, responded_at=at, summary=summary, late=late):
            return replace(
                state,
                status="responded",
                outcome=outcome,
                responded_at=at,
                response_summary=summary,
                responded_late=late,
            )
        case ComplaintResponseDeadlineExtended(new_respond_by=respond_by):
            return replace(state, respond_by=respond_by, extensions=state.extensions + 1)
        case ComplaintClosed(closed_at=at, note=note):
            return replace(state, status="closed", closed_at=at, close_note=note)
        case ComplaintEscalated(to=body, escalated_at=at, reference=reference):
            return replace(
                state,
                status="escalated",
                escalated_to=body,
                escalated_at=at,
                ombudsman_reference=reference,
            )
        case ComplaintReopened(reason=reason, reopened_at=at, respond_by=respond_by):
            return replace(
                state,
                status="investigating" if state.investigator_id else "acknowledged",
                respond_by=respond_by,
                reopened_at=at,
                reopen_reason=reason,
                outcome=None,
                responded_at=None,
                response_summary=None,
                responded_late=False,
                closed_at=None,
                close_note=None,
            )
    raise TypeError(f"a complaint does not handle {type(event).__name__}")


def index(state: Complaint) -> RecordIndex:
    return RecordIndex(
        location_id=state.location_id,
        status=state.status,
        key_date=state.received_at,
        reference=state.reference,
        summary={
            "channel": state.channel,
            "acknowledge_by": state.acknowledge_by.isoformat(),
            "respond_by": state.respond_by.isoformat(),
            "acknowledged_late": state.acknowledged_late,
            "outcome": state.outcome,
        },
    )


DECIDER: Decider[Complaint] = Decider(
    stream_type="complaint",
    collection="complaints",
    events=COMPLAINT_EVENTS,
    decide=decide,
    evolve=evolve,
    index=index,
)
