"""Feedback items, given / when / then over decide and evolve: no database, no clock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from services.feedback.decide import (
    DECIDER,
    CloseFeedback,
    Feedback,
    LinkAction,
    RecordFeedback,
    ReopenFeedback,
    RespondToFeedback,
    decide,
    index,
)
from services.feedback.events import (
    FeedbackActionLinked,
    FeedbackClosed,
    FeedbackRecorded,
    FeedbackReopened,
    FeedbackResponded,
)
from services.feedback.schemas import render
from services.kernel.decider import Context
from services.kernel.errors import InvalidCommand, InvalidTransition
from services.kernel.events import Event

NOW = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
RECEIVED_AT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
FEEDBACK, HOME, ACTION, SECOND_ACTION = uuid4(), uuid4(), uuid4(), uuid4()
CONTEXT = Context(actor=uuid4(), now=NOW)


def record(**changes: Any) -> RecordFeedback:
    fields: dict[str, Any] = dict(
        feedback_id=FEEDBACK,
        location_id=HOME,
        kind="suggestion",
        summary="Residents would like a later breakfast at weekends",
        received_at=RECEIVED_AT,
        source="resident",
    )
    return RecordFeedback(**{**fields, **changes})


def when(given: Sequence[Event], command: object) -> list[Event]:
    return list(decide(command, DECIDER.fold(given), CONTEXT))


def state_after(*events: Event) -> Feedback:
    state = DECIDER.fold(events)
    assert state is not None
    return state


RECORDED = when([], record())[0]
RESPONDED = FeedbackResponded(
    response="Breakfast now runs until 10:30 on Saturdays and Sundays",
    responded_at=datetime(2026, 11, 9, 12, tzinfo=UTC),
)
LINKED = FeedbackActionLinked(action_id=ACTION)
CLOSED = FeedbackClosed(closed_at=datetime(2026, 11, 16, 9, tzinfo=UTC))
HISTORIES: dict[str, tuple[Event, ...]] = {
    "open": (RECORDED,),
    "responded": (RECORDED, RESPONDED),
    "actioned": (RECORDED, LINKED),
    "closed": (RECORDED, RESPONDED, CLOSED),
}


# record ----------------------------------------------------------------------------------------


def test_feedback_is_recorded_as_given() -> None:
    expected = FeedbackRecorded(
        feedback_id=FEEDBACK,
        location_id=HOME,
        kind="suggestion",
        summary="Residents would like a later breakfast at weekends",
        received_at=RECEIVED_AT,
        source="resident",
        rating=None,
    )
    assert when([], record()) == [expected]
    assert state_after(RECORDED).status == "open"


def test_received_at_defaults_to_now() -> None:
    (event,) = when([], record(received_at=None, source=None))

    assert isinstance(event, FeedbackRecorded)
    assert event.received_at == NOW and event.source is None


@pytest.mark.parametrize("rating", [1, 5])
def test_a_survey_response_carries_a_rating(rating: int) -> None:
    (event,) = when([], record(kind="survey_response", rating=rating, source="relative"))

    assert isinstance(event, FeedbackRecorded) and event.rating == rating


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"received_at": NOW + timedelta(seconds=1)}, "received_at"),
        ({"summary": "\n "}, "summary"),
        ({"kind": "compliment", "rating": 4}, "rating"),
        ({"kind": "survey_response", "rating": 0}, "rating"),
        ({"kind": "survey_response", "rating": 6}, "rating"),
    ],
)
def test_record_refuses_bad_values(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidCommand) as refused:
        when([], record(**changes))
    assert refused.value.field == field


def test_feedback_is_recorded_once() -> None:
    with pytest.raises(InvalidTransition):
        when([RECORDED], record())


@pytest.mark.parametrize(
    "command", [CloseFeedback(), ReopenFeedback(), LinkAction(action_id=ACTION)]
)
def test_commands_on_feedback_that_does_not_exist_are_refused(command: object) -> None:
    with pytest.raises(InvalidTransition):
        when([], command)


# respond ---------------------------------------------------------------------------------------


def test_you_said_we_did_records_the_response() -> None:
    command = RespondToFeedback(response=RESPONDED.response, responded_at=RESPONDED.responded_at)

    assert when([RECORDED], command) == [RESPONDED]
    state = state_after(RECORDED, RESPONDED)
    assert state.status == "responded" and state.response == RESPONDED.response


def test_a_later_response_replaces_the_earlier_one_and_an_action_keeps_it_actioned() -> None:
    command = RespondToFeedback(response="Also on bank holidays", responded_at=NOW)

    (event,) = when(HISTORIES["actioned"], command)

    state = state_after(*HISTORIES["actioned"], event)
    assert state.status == "actioned" and state.response == "Also on bank holidays"


@pytest.mark.parametrize(
    ("response", "moment", "field"),
    [
        ("We did", NOW + timedelta(minutes=5), "responded_at"),
        ("We did", RECEIVED_AT - timedelta(minutes=5), "responded_at"),
        ("   ", NOW, "response"),
    ],
)
def test_respond_refuses_bad_values(response: str, moment: datetime, field: str) -> None:
    with pytest.raises(InvalidCommand) as refused:
        when([RECORDED], RespondToFeedback(response=response, responded_at=moment))
    assert refused.value.field == field


def test_closed_feedback_cannot_be_responded_to() -> None:
    with pytest.raises(InvalidTransition):
        when(HISTORIES["closed"], RespondToFeedback(response="Late", responded_at=NOW))


# link_action -----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["open", "responded"])
def test_linking_an_action_marks_the_feedback_actioned(status: str) -> None:
    assert when(HISTORIES[status], LinkAction(action_id=ACTION)) == [LINKED]
    assert state_after(*HISTORIES[status], LINKED).status == "actioned"


def test_several_actions_can_answer_one_item() -> None:
    second = FeedbackActionLinked(action_id=SECOND_ACTION)

    assert when(HISTORIES["actioned"], LinkAction(action_id=SECOND_ACTION)) == [second]
    assert state_after(*HISTORIES["actioned"], second).action_ids == (ACTION, SECOND_ACTION)


def test_an_action_is_linked_once() -> None:
    with pytest.raises(InvalidCommand) as refused:
        when(HISTORIES["actioned"], LinkAction(action_id=ACTION))
    assert refused.value.field == "action_id"


def test_closed_feedback_cannot_gain_actions() -> None:
    with pytest.raises(InvalidTransition):
        when(HISTORIES["closed"], LinkAction(action_id=SECOND_ACTION))


# close and reopen ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["open", "responded", "actioned"])
def test_feedback_is_closed_now(status: str) -> None:
    assert when(HISTORIES[status], CloseFeedback()) == [FeedbackClosed(closed_at=NOW)]
    assert state_after(*HISTORIES[status], FeedbackClosed(closed_at=NOW)).status == "closed"


def test_closed_feedback_cannot_be_closed_again() -> None:
    with pytest.raises(InvalidTransition):
        when(HISTORIES["closed"], CloseFeedback())


def test_reopening_returns_to_where_the_loop_stood() -> None:
    assert when(HISTORIES["closed"], ReopenFeedback()) == [FeedbackReopened(reopened_at=NOW)]
    state = state_after(*HISTORIES["closed"], FeedbackReopened(reopened_at=NOW))
    assert state.status == "responded" and state.closed_at is None and state.reopened_at == NOW


@pytest.mark.parametrize("status", ["open", "responded", "actioned"])
def test_only_closed_feedback_can_be_reopened(status: str) -> None:
    with pytest.raises(InvalidTransition):
        when(HISTORIES[status], ReopenFeedback())


# evolve, index, read ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", list(HISTORIES))
def test_each_history_folds_to_its_status_the_same_way_twice(status: str) -> None:
    assert state_after(*HISTORIES[status]).status == status
    assert DECIDER.fold(HISTORIES[status]) == DECIDER.fold(HISTORIES[status])


def test_the_index_lists_kind_source_rating_and_actions() -> None:
    survey = when([], record(kind="survey_response", rating=4))[0]

    row = index(state_after(survey, LINKED))

    assert (row.location_id, row.status, row.key_date) == (HOME, "actioned", RECEIVED_AT)
    assert row.summary == {
        "kind": "survey_response",
        "source": "resident",
        "rating": 4,
        "action_ids": [str(ACTION)],
    }


def test_the_read_model_shows_status_response_and_actions() -> None:
    read = render(state_after(RECORDED, RESPONDED, LINKED))

    assert read.id == FEEDBACK and read.status == "actioned" and read.action_ids == (ACTION,)
    assert read.response == RESPONDED.response and read.responded_at == RESPONDED.responded_at


def test_the_decider_declares_its_collection_and_events() -> None:
    assert (DECIDER.stream_type, DECIDER.collection) == ("feedback", "feedback")
    assert len(DECIDER.events) == 5
