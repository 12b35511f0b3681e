"""Thin HTTP handlers for complaints: bodies become commands, references are checked first."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec

from services.complaints import schemas
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
from services.complaints.decide import DECIDER, REFERENCE_PREFIX, Complaint
from services.http.principal import GROUP_WIDE_ROLES, Principal
from services.http.records import CommandRoute, Lookups, RecordApi, body_as
from services.kernel.calendar import today_in_england
from services.kernel.errors import InvalidCommand


async def check_receive(body: schemas.ReceiveComplaintBody, lookups: Lookups) -> dict[str, Any]:
    await lookups.require_location(body.location_id)
    if body.complainant_id is not None:
        await lookups.require("people", body.complainant_id, "complainant_id")
    if body.about_person_id is not None:
        await lookups.require("people", body.about_person_id, "about_person_id")
    return {}


async def check_investigator(body: schemas.InvestigateBody, lookups: Lookups) -> dict[str, Any]:
    """The investigator is an active user; decide checks they can see the complaint's home."""
    user = await lookups.require("users", body.investigator_id, "investigator_id")
    if user.status != "active":
        raise InvalidCommand("investigator_id", "this user is deactivated")
    if GROUP_WIDE_ROLES.intersection(user.summary.get("roles", ())):
        return {"investigator_homes": None}
    return {"investigator_homes": tuple(UUID(h) for h in user.summary.get("location_ids", ()))}


def to_receive(
    body: schemas.ReceiveComplaintBody, record_id: UUID, _: Principal
) -> ReceiveComplaint:
    return ReceiveComplaint(complaint_id=record_id, **msgspec.structs.asdict(body))


def render(state: Complaint) -> schemas.ComplaintRead:
    return schemas.to_read(state, today_in_england())


API: RecordApi[Complaint] = RecordApi(
    decider=DECIDER,
    path="/complaints",
    tag="complaints",
    create_body=schemas.ReceiveComplaintBody,
    to_create=to_receive,
    read_type=schemas.ComplaintRead,
    render=render,
    check_create=check_receive,
    reference_prefix=REFERENCE_PREFIX,
    commands=(
        CommandRoute(
            "acknowledge",
            schemas.AcknowledgeBody,
            body_as(AcknowledgeComplaint),
            "Record the acknowledgement sent to the complainant (late ones are marked)",
        ),
        CommandRoute(
            "investigate",
            schemas.InvestigateBody,
            body_as(InvestigateComplaint),
            "Start the investigation, or hand it to another investigator",
            check_investigator,
        ),
        CommandRoute(
            "respond",
            schemas.RespondBody,
            body_as(RespondToComplaint),
            "Record the full response and its outcome",
        ),
        CommandRoute(
            "extend",
            schemas.ExtendBody,
            body_as(ExtendResponseDeadline),
            "Move the response deadline to a date the complainant agreed",
        ),
        CommandRoute("close", schemas.CloseBody, body_as(CloseComplaint), "Close the complaint"),
        CommandRoute(
            "escalate",
            schemas.EscalateBody,
            body_as(EscalateComplaint),
            "Record escalation to the Local Government and Social Care Ombudsman",
        ),
        CommandRoute(
            "reopen",
            schemas.ReopenBody,
            body_as(ReopenComplaint),
            "Reopen: work resumes with a new response deadline",
        ),
    ),
)
