"""A feedback item as a decider: commands, state, pure decide and evolve, and its index row."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import msgspec

from services.feedback.events import (
    FEEDBACK_EVENTS,
    FeedbackActionLinked,
    FeedbackClosed,
    FeedbackKind,
    FeedbackRecorded,
    FeedbackReopened,
    FeedbackResponded,
    FeedbackSource,
    FeedbackStatus,
)
from services.kernel.decider import Context, Decider, RecordIndex
from services.kernel.errors import InvalidCommand, InvalidTransition
from services.kernel.events import Event

RATINGS = range(1, 6)


class RecordFeedback(msgspec.Struct, frozen=True, kw_only=True):
    feedback_id: UUID
    location_id: UUID
    kind: FeedbackKind
    summary: str
    received_at: datetime | None = None
    source: FeedbackSource | None = None
    rating: int | None = None


class RespondToFeedback(msgspec.Struct, frozen=True, kw_only=True):
    response: str
    responded_at: datetime


class LinkAction(msgspec.Struct, frozen=True, kw_only=True):
    action_id: UUID


class CloseFeedback(msgspec.Struct, frozen=True):
    pass


class ReopenFeedback(msgspec.Struct, frozen=True):
    pass


class Feedback(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    location_id: UUID
    kind: FeedbackKind
    summary: str
    received_at: datetime
    source: FeedbackSource | None
    rating: int | None
    response: str | None = None
    responded_at: datetime | None = None
    action_ids: tuple[UUID, ...] = ()
    closed_at: datetime | None = None
    reopened_at: datetime | None = None

    @property
    def status(self) -> FeedbackStatus:
        """Closing the loop: an action outranks a response, closing outranks both."""
        if self.closed_at is not None:
            return "closed"
        if self.action_ids:
            return "actioned"
        return "responded" if self.response is not None else "open"


def decide(command: object, state: Feedback | None, context: Context) -> Sequence[Event]:
    match command, state:
        case RecordFeedback(), None:
            return [_record(command, context)]
        case RecordFeedback(), Feedback():
            raise InvalidTransition("this feedback has already been recorded")
        case _, None:
            raise InvalidTransition("there is no such feedback item")
        case ReopenFeedback(), Feedback(closed_at=None):
            raise InvalidTransition("the feedback is not closed")
        case ReopenFeedback(), Feedback():
            return [FeedbackReopened(reopened_at=context.now)]
        case _, Feedback(closed_at=closed) if closed is not None:
            raise InvalidTransition("the feedback is closed; reopen it first")
        case RespondToFeedback(), Feedback():
            return [_respond(command, state, context)]
        case LinkAction(action_id=action_id), Feedback():
            if action_id in state.action_ids:
                raise InvalidCommand("action_id", "this action is already linked")
            return [FeedbackActionLinked(action_id=action_id)]
        case CloseFeedback(), Feedback():
            return [FeedbackClosed(closed_at=context.now)]
    raise InvalidTransition(f"{type(command).__name__} is not possible now")


def _record(command: RecordFeedback, context: Context) -> Event:
    received_at = command.received_at or context.now
    if received_at > context.now:
        raise InvalidCommand("received_at", "must not be in the future")
    if not command.summary.strip():
        raise InvalidCommand("summary", "must not be blank")
    if command.rating is not None and command.kind != "survey_response":
        raise InvalidCommand("rating", "only survey responses carry a rating")
    if command.rating is not None and command.rating not in RATINGS:
        raise InvalidCommand("rating", "must be from 1 to 5")
    fields = msgspec.structs.asdict(command)
    return FeedbackRecorded(**{**fields, "received_at": received_at})


def _respond(command: RespondToFeedback, state: Feedback, context: Context) -> Event:
    if command.responded_at > context.now:
        raise InvalidCommand("responded_at", "must not be in the future")
    if command.responded_at < state.received_at:
        raise InvalidCommand("responded_at", "must not be before the feedback was received")
    if not command.response.strip():
        raise InvalidCommand("response", "must not be blank")
    return FeedbackResponded(response=command.response, responded_at=command.responded_at)


def evolve(state: Feedback | None, event: Event) -> Feedback:
    if isinstance(event, FeedbackRecorded):
        fields = msgspec.structs.asdict(event)
        return Feedback(id=fields.pop("feedback_id"), **fields)
    assert state is not None, f"{type(event).__name__} before FeedbackRecorded"
    replace = msgspec.structs.replace
    match event:
        case FeedbackResponded(response=response, responded_at=at):
            return replace(state, response=response, responded_at=at)
        case FeedbackActionLinked(action_id=action_id):
            return replace(state, action_ids=(*state.action_ids, action_id))
        case FeedbackClosed(closed_at=at):
            return replace(state, closed_at=at)
        case FeedbackReopened(reopened_at=at):
            return replace(state, closed_at=None, reopened_at=at)
    raise TypeError(f"a feedback item does not handle {type(event).__name__}")


def index(state: Feedback) -> RecordIndex:
    return RecordIndex(
        location_id=state.location_id,
        status=state.status,
        key_date=state.received_at,
        summary={
            "kind": state.kind,
            "source": state.source,
            "rating": state.rating,
            "action_ids": [str(a) for a in state.action_ids],
        },
    )


DECIDER: Decider[Feedback] = Decider(
    stream_type="feedback",
    collection="feedback",
    events=FEEDBACK_EVENTS,
    decide=decide,
    evolve=evolve,
    index=index,
)
