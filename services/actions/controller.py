"""The action plan's routes: what differs for actions from every other record type."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from services.actions import commands as c
from services.actions.decide import DECIDER, REFERENCE_PREFIX
from services.actions.schemas import (
    ActionRead,
    AssignBody,
    CompleteBody,
    CreateAction,
    NoteBody,
    ReasonBody,
    RedateBody,
    VerifyBody,
    render,
)
from services.http.principal import Principal
from services.http.records import CommandRoute, Lookups, RecordApi, body_as


async def check_create(body: CreateAction, lookups: Lookups) -> Mapping[str, Any]:
    """The home must be one of the caller's and the owner a user of the provider group."""
    await lookups.require_location(body.location_id)
    await lookups.require("users", body.owner_id, "owner_id")
    return {}


async def check_owner(body: AssignBody, lookups: Lookups) -> Mapping[str, Any]:
    await lookups.require("users", body.owner_id, "owner_id")
    return {}


def to_raise(body: CreateAction, action_id: UUID, principal: Principal) -> c.RaiseAction:
    return c.RaiseAction(
        action_id=action_id,
        location_id=body.location_id,
        title=body.title,
        description=body.description,
        success_measure=body.success_measure,
        owner_id=body.owner_id,
        due_date=body.due_date,
        priority=body.priority,
        source=body.source_value(),
        quality_statements=tuple(body.quality_statements),
        draft=body.draft,
    )


API: RecordApi[Any] = RecordApi(
    decider=DECIDER,
    path="/actions",
    tag="actions",
    create_body=CreateAction,
    to_create=to_raise,
    read_type=ActionRead,
    render=render,
    check_create=check_create,
    reference_prefix=REFERENCE_PREFIX,
    commands=(
        CommandRoute(
            "open", None, body_as(c.OpenAction), "Confirm a draft: it joins the live plan"
        ),
        CommandRoute(
            "assign",
            AssignBody,
            body_as(c.ReassignAction),
            "Give it to another owner",
            check=check_owner,
        ),
        CommandRoute(
            "redate", RedateBody, body_as(c.RedateAction), "Move the due date, with a reason"
        ),
        CommandRoute(
            "note",
            NoteBody,
            body_as(c.NoteProgress),
            "Add a progress note (an open action moves to in progress)",
        ),
        CommandRoute("start", None, body_as(c.StartAction), "Mark the action in progress"),
        CommandRoute(
            "complete", CompleteBody, body_as(c.CompleteAction), "Complete it, with evidence"
        ),
        CommandRoute(
            "verify",
            VerifyBody,
            body_as(c.VerifyAction),
            "Confirm a completed action worked (not by its owner)",
        ),
        CommandRoute(
            "reopen",
            ReasonBody,
            body_as(c.ReopenAction),
            "Reopen a completed, verified or cancelled action (reason required)",
        ),
        CommandRoute(
            "cancel", ReasonBody, body_as(c.CancelAction), "Cancel the action, with a reason"
        ),
    ),
)
