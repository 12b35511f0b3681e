"""Tenant settings keep their bounds: each is declared once, by the context that reads it, with
its default and bounds; a value beyond them (or of the wrong kind) is refused naming the
setting, whatever the context."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from services.kernel.decider import Context
from services.kernel.errors import InvalidCommand
from services.kernel.tenant_settings import TenantSetting
from services.organisations.groups import (
    DEFAULT_SETTINGS,
    GROUPS,
    SETTINGS,
    ChangeSettings,
    RegisterProviderGroup,
)

CONTEXT = Context(actor=uuid4(), now=datetime.now(UTC), settings={}, facts={})


def change(settings: dict[str, object]) -> None:
    group_id = uuid4()
    state = GROUPS.fold(
        GROUPS.decide(RegisterProviderGroup(group_id=group_id, name="G"), None, CONTEXT)
    )
    GROUPS.decide(ChangeSettings(settings=settings), state, CONTEXT)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value",
    [9007199254740993, 2**63, 101, -1, True, 2.0, "2"],
)
def test_an_integer_beyond_any_sane_bound_is_refused_naming_the_setting(value: object) -> None:
    with pytest.raises(InvalidCommand) as refused:
        change({"alerts.repeated_failure_audits": value})
    assert refused.value.field == "settings.alerts.repeated_failure_audits"
    assert "whole number at least 0 and at most 100" in str(refused.value)


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_every_setting_takes_its_bounds_and_refuses_past_them(name: str) -> None:
    declared = SETTINGS[name]
    kind = type(declared.default)
    assert declared.refusal(kind(declared.minimum)) is None
    assert declared.refusal(kind(declared.maximum)) is None
    step = 1 if kind is int else 0.01
    for beyond in (declared.maximum + step, declared.minimum - step, 10**30, -(10**30)):
        assert declared.refusal(kind(beyond)) is not None, (name, beyond)
    other = 1.5 if kind is int else 1
    assert declared.refusal(other) is not None  # a whole number is not a decimal, nor back
    assert declared.refusal(True) is not None and declared.refusal(None) is not None


def test_the_defaults_are_the_declared_ones_and_within_their_bounds() -> None:
    assert {name: s.default for name, s in SETTINGS.items()} == DEFAULT_SETTINGS
    for name, declared in SETTINGS.items():
        assert declared.refusal(declared.default) is None, name
    with pytest.raises(ValueError):
        TenantSetting(5, 0, 4)


def test_values_within_bounds_are_taken() -> None:
    change(
        {
            "alerts.repeated_failure_audits": 100,
            "incidents.cqc_death_hours": 0,
            "complaints.response_working_days": 260,
            "dashboard.compliance_green_at": 1.0,
        }
    )


def test_a_complaint_deadline_of_no_working_days_is_refused_rather_than_ignored() -> None:
    """The complaint rules fall back to the default for 0; a setting they would ignore is
    refused when it is made."""
    with pytest.raises(InvalidCommand) as refused:
        change({"complaints.acknowledge_working_days": 0})
    assert refused.value.field == "settings.complaints.acknowledge_working_days"
