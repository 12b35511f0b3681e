"""What can happen to a feedback item: the feedback context's public contract."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from services.kernel.events import Event

FeedbackKind = Literal["compliment", "suggestion", "survey_response", "meeting_point"]
FeedbackSource = Literal["resident", "relative", "staff", "professional", "visitor", "other"]
FeedbackStatus = Literal["open", "responded", "actioned", "closed"]


class FeedbackRecorded(Event, frozen=True, kw_only=True):
    feedback_id: UUID
    location_id: UUID
    kind: FeedbackKind
    summary: str
    received_at: datetime
    source: FeedbackSource | None = None
    rating: int | None = None


class FeedbackResponded(Event, frozen=True, kw_only=True):
    """What the home told the people who gave the feedback: "you said, we did"."""

    response: str
    responded_at: datetime


class FeedbackActionLinked(Event, frozen=True, kw_only=True):
    """An improvement action answers this feedback."""

    action_id: UUID


class FeedbackClosed(Event, frozen=True, kw_only=True):
    closed_at: datetime


class FeedbackReopened(Event, frozen=True, kw_only=True):
    reopened_at: datetime


FEEDBACK_EVENTS: tuple[type[Event], ...] = (
    FeedbackRecorded,
    FeedbackResponded,
    FeedbackActionLinked,
    FeedbackClosed,
    FeedbackReopened,
)
