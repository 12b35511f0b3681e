"""The incidents API: what differs from every other record's routes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from msgspec.structs import asdict

from services.http.principal import Principal
from services.http.records import CommandRoute, Lookups, RecordApi, body_as
from services.incidents.commands import (
    AmendIncident,
    CloseIncident,
    RecordCandourStep,
    RecordLessons,
    RecordNotification,
    RecordRootCause,
    ReopenIncident,
    ReportIncident,
    StartInvestigation,
)
from services.incidents.decide import DECIDER
from services.incidents.notifications import progress
from services.incidents.schemas import (
    AmendBody,
    CandourStepBody,
    CandourStepRead,
    CloseBody,
    FindingBody,
    IncidentRead,
    InvestigateBody,
    NotificationRead,
    NotifyBody,
    ReopenBody,
    ReportIncidentBody,
)
from services.incidents.state import IncidentState
from services.kernel.errors import InvalidCommand


async def check_report(body: ReportIncidentBody, lookups: Lookups) -> Mapping[str, Any]:
    """The home must be one of the caller's; everyone involved must be a person of the group."""
    await lookups.require_location(body.location_id)
    for person_id in body.people_involved:
        if await lookups.find("people", person_id) is None:
            message = f"no person {person_id} in this provider group"
            raise InvalidCommand("people_involved", message)
    return {}


async def check_investigator(body: InvestigateBody, lookups: Lookups) -> Mapping[str, Any]:
    await lookups.require("users", body.investigator_id, "investigator_id")
    return {}


def render(state: IncidentState, now: datetime | None = None) -> IncidentRead:
    """The incident as clients read it; `overdue` is judged at `now` (the time of the request)."""
    made = state.made()
    outstanding = state.outstanding()
    return IncidentRead(
        reference=state.reference,
        location_id=state.location_id,
        status=state.status,
        category=state.category,
        severity=state.severity,
        occurred_at=state.occurred_at,
        reported_at=state.reported_at,
        description=state.description,
        immediate_actions=state.immediate_actions,
        people_involved=list(state.people_involved),
        riddor_reportable=state.riddor_reportable,
        riddor_kind=state.riddor_kind,
        notifiable=bool(state.required),
        required_notifications=list(progress(state.required, made, now or datetime.now(UTC))),
        outstanding_notifications=outstanding,
        notifications=[
            NotificationRead(
                recipient=n.recipient,
                notified_at=n.notified_at,
                reference=n.reference,
                method=n.method,
            )
            for n in state.notifications
        ],
        duty_of_candour_steps=[
            CandourStepRead(step=s.step, done_at=s.done_at) for s in state.candour_steps
        ],
        investigator_id=state.investigator_id,
        investigation_started_at=state.investigation_started_at,
        root_cause=state.root_cause,
        lessons=state.lessons,
        closure_summary=state.closure_summary,
        closed_at=state.closed_at,
        reopen_reason=state.reopen_reason,
        reopened_at=state.reopened_at,
    )


def _report(body: ReportIncidentBody, incident_id: UUID, principal: Principal) -> ReportIncident:
    return ReportIncident(incident_id=incident_id, **asdict(body))


API: RecordApi[IncidentState] = RecordApi(
    decider=DECIDER,
    path="/incidents",
    tag="incidents",
    create_body=ReportIncidentBody,
    to_create=_report,
    read_type=IncidentRead,
    render=render,
    check_create=check_report,
    reference_prefix="INC",
    commands=(
        CommandRoute(
            "notify",
            NotifyBody,
            body_as(RecordNotification),
            "Record a notification made: CQC, council safeguarding team, HSE, family…",
        ),
        CommandRoute(
            "duty_of_candour_step",
            CandourStepBody,
            body_as(RecordCandourStep),
            "Record a duty of candour step: informed, apologised, true account, letter",
        ),
        CommandRoute(
            "investigate",
            InvestigateBody,
            body_as(StartInvestigation),
            "Start the investigation under an investigator (a user)",
            check_investigator,
        ),
        CommandRoute(
            "root_cause",
            FindingBody,
            body_as(RecordRootCause),
            "Record the root cause the investigation found",
        ),
        CommandRoute("lessons", FindingBody, body_as(RecordLessons), "Record the lessons learned"),
        CommandRoute(
            "close",
            CloseBody,
            body_as(CloseIncident),
            "Close after investigation, once every required notification is made",
        ),
        CommandRoute("reopen", ReopenBody, body_as(ReopenIncident), "Reopen a closed incident"),
        CommandRoute(
            "amend",
            AmendBody,
            body_as(AmendIncident),
            "Correct category, severity, description or RIDDOR status; recomputes "
            "which notifications are required",
        ),
    ),
)
