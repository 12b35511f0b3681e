"""Feedback request bodies and the read model, with their size and value limits."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from services.feedback.decide import Feedback
from services.feedback.events import FeedbackKind, FeedbackSource, FeedbackStatus

Moment = Annotated[datetime, msgspec.Meta(tz=True, description="with a UTC offset")]
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=5000)]
Rating = Annotated[int, msgspec.Meta(ge=1, le=5, description="survey responses only")]


class RecordFeedbackBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """`received_at` defaults to now; a `rating` from 1 to 5 only for survey responses."""

    location_id: UUID
    kind: FeedbackKind
    summary: Text
    received_at: Moment | None = None
    source: FeedbackSource | None = None
    rating: Rating | None = None


class RespondBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    response: Text
    responded_at: Moment


class LinkActionBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    action_id: UUID


class FeedbackRead(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    location_id: UUID
    status: FeedbackStatus
    kind: FeedbackKind
    summary: str
    received_at: datetime
    source: FeedbackSource | None
    rating: int | None
    response: str | None
    responded_at: datetime | None
    action_ids: tuple[UUID, ...]
    closed_at: datetime | None
    reopened_at: datetime | None


def render(state: Feedback) -> FeedbackRead:
    return FeedbackRead(status=state.status, **msgspec.structs.asdict(state))
