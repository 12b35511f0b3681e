"""Grants of a home to an external organisation, given / when / then over decide and evolve."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from services.access.events import AccessGranted, AccessRevoked
from services.access.grants import GRANTS, GrantAccess, RevokeAccess
from services.access.schemas import render
from services.kernel.decider import Context
from services.kernel.errors import InvalidCommand, InvalidTransition
from services.kernel.events import Event

NOW = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
GRANT, HOME, COUNCIL = uuid4(), uuid4(), uuid4()


def context(kind: str = "local_authority") -> Context:
    return Context(actor=uuid4(), now=NOW, facts={"organisation_kind": kind})


def grant_access(**changes: object) -> GrantAccess:
    fields: dict[str, object] = {
        "grant_id": GRANT,
        "location_id": HOME,
        "organisation_id": COUNCIL,
        "valid_from": None,
        "valid_until": None,
        "purpose": "quality monitoring",
    }
    return GrantAccess(**{**fields, **changes})  # type: ignore[arg-type]


def when(given: Sequence[Event], command: object, kind: str = "local_authority") -> list[Event]:
    return list(GRANTS.decide(command, GRANTS.fold(given), context(kind)))


def granted(**changes: object) -> AccessGranted:
    (event,) = when([], grant_access(**changes))
    assert isinstance(event, AccessGranted)
    return event


def test_a_council_grant_starts_now_and_may_be_open_ended() -> None:
    event = granted()
    assert (event.valid_from, event.valid_until, event.organisation_kind) == (
        NOW,
        None,
        "local_authority",
    )
    state = GRANTS.fold([event])
    assert state is not None
    index = GRANTS.index(state)
    assert (index.location_id, index.status, index.key_date) == (HOME, "active", NOW)
    assert index.summary == {
        "organisation_id": str(COUNCIL),
        "organisation_kind": "local_authority",
        "valid_from": NOW.isoformat(),
        "valid_until": None,
    }
    assert render(state).valid_until is None


@pytest.mark.parametrize(
    ("kind", "changes", "reason"),
    [
        ("regulator", {}, "must end"),
        ("local_authority", {"valid_until": NOW - timedelta(days=1)}, "after `from`"),
        (
            "regulator",
            {"valid_from": NOW - timedelta(days=9), "valid_until": NOW - timedelta(days=1)},
            "already past",
        ),
        (
            "local_authority",
            {"valid_from": NOW + timedelta(days=2), "valid_until": NOW + timedelta(days=1)},
            "after `from`",
        ),
    ],
)
def test_a_grant_that_would_never_give_access_or_never_end_is_refused(
    kind: str, changes: dict[str, object], reason: str
) -> None:
    with pytest.raises(InvalidCommand) as refused:
        when([], grant_access(**changes), kind)
    assert refused.value.field == "until" and reason in refused.value.message


def test_an_inspectors_grant_is_time_limited() -> None:
    until = NOW + timedelta(days=14)
    (event,) = when([], grant_access(valid_until=until), "regulator")
    assert isinstance(event, AccessGranted) and event.valid_until == until


def test_a_grant_is_revoked_once() -> None:
    given = [granted()]
    (revoked,) = when(given, RevokeAccess(reason="contract ended"))
    assert revoked == AccessRevoked(reason="contract ended", revoked_at=NOW)
    state = GRANTS.fold([*given, revoked])
    assert state is not None and GRANTS.index(state).status == "revoked"
    with pytest.raises(InvalidTransition):
        when([*given, revoked], RevokeAccess(reason="again"))
    with pytest.raises(InvalidTransition):
        when(given, grant_access())
    with pytest.raises(InvalidTransition):
        when([], RevokeAccess(reason="nothing to revoke"))
