"""Thin HTTP handlers for feedback: bodies become commands, linked records are checked first."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec

from services.feedback import schemas
from services.feedback.decide import (
    DECIDER,
    CloseFeedback,
    Feedback,
    LinkAction,
    RecordFeedback,
    ReopenFeedback,
    RespondToFeedback,
)
from services.http.principal import Principal
from services.http.records import CommandRoute, Lookups, RecordApi
from services.kernel.errors import InvalidCommand


async def check_record(body: schemas.RecordFeedbackBody, lookups: Lookups) -> dict[str, Any]:
    await lookups.require_location(body.location_id)
    return {}


async def check_action(body: schemas.LinkActionBody, lookups: Lookups) -> dict[str, Any]:
    """The action exists in this group and in a home the caller may see."""
    action = await lookups.require("actions", body.action_id, "action_id")
    scope = lookups.principal.scope
    if action.location_id is not None and scope is not None and action.location_id not in scope:
        raise InvalidCommand("action_id", f"no action {body.action_id} in this provider group")
    return {}


def to_record(body: schemas.RecordFeedbackBody, record_id: UUID, _: Principal) -> RecordFeedback:
    return RecordFeedback(feedback_id=record_id, **msgspec.structs.asdict(body))


API: RecordApi[Feedback] = RecordApi(
    decider=DECIDER,
    path="/feedback",
    tag="feedback",
    create_body=schemas.RecordFeedbackBody,
    to_create=to_record,
    read_type=schemas.FeedbackRead,
    render=schemas.render,
    check_create=check_record,
    commands=(
        CommandRoute(
            "respond",
            schemas.RespondBody,
            lambda b, _i, _p: RespondToFeedback(**msgspec.structs.asdict(b)),
            'Record "you said, we did": the response given',
        ),
        CommandRoute(
            "link-action",
            schemas.LinkActionBody,
            lambda b, _i, _p: LinkAction(action_id=b.action_id),
            "Link the improvement action that answers this feedback",
            check_action,
        ),
        CommandRoute("close", None, lambda _b, _i, _p: CloseFeedback(), "Close the feedback item"),
        CommandRoute("reopen", None, lambda _b, _i, _p: ReopenFeedback(), "Reopen a closed item"),
    ),
)
