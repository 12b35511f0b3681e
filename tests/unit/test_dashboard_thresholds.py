"""Dashboard RAG thresholds are tenant settings: given settings, when a figure is rated, then
its colour; and settings that cannot all hold are refused, naming the setting."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction
from uuid import uuid4

import pytest

from services.kernel.decider import Context
from services.kernel.errors import InvalidCommand
from services.organisations.groups import (
    DEFAULT_SETTINGS,
    GROUPS,
    ChangeSettings,
    RegisterProviderGroup,
)
from services.views.group_overview import group_overview
from services.views.home_figures import home_figures
from services.views.thresholds import DEFAULTS, thresholds
from tests.unit.test_home_dashboard import HOME, NOW, TODAY, Log, fold, home_events


def test_every_threshold_is_a_tenant_setting_with_its_default() -> None:
    assert {k: DEFAULT_SETTINGS[k] for k in DEFAULTS} == dict(DEFAULTS)


def test_counts_are_green_below_amber_at_and_red_from_red_at() -> None:
    rated = thresholds({"dashboard.overdue_actions_amber_at": 2})
    assert [rated.count("overdue_actions", n) for n in (0, 1, 2, 4, 5)] == [
        "green",
        "green",
        "amber",
        "amber",
        "red",
    ]


def test_compliance_is_rated_against_the_tenant_boundaries() -> None:
    assert thresholds({}).compliance(0.8) == "amber"
    assert thresholds({"dashboard.compliance_green_at": 0.8}).compliance(0.8) == "green"
    assert thresholds({"dashboard.compliance_amber_at": 0.85}).compliance(0.8) == "red"


def test_a_changed_threshold_changes_the_rag_of_the_dashboard_and_the_heat_map() -> None:
    events, ids = home_events(Log())
    doc = fold(events)[str(HOME)]
    strict = thresholds(
        {
            "dashboard.overdue_actions_red_at": 1,
            "dashboard.compliance_green_at": 1.0,
            "dashboard.compliance_amber_at": 0.5,
        }
    )

    default = home_figures(doc, TODAY, NOW)
    changed = home_figures(doc, TODAY, NOW, strict)

    assert default["actions"]["overdue"]["ids"] == [str(ids["late"])]
    assert default["actions"]["overdue"]["rag"] == "amber"
    assert changed["actions"]["overdue"]["rag"] == "red"
    assert changed["thresholds"]["counts"]["overdue_actions"] == {"amber_at": 1, "red_at": 1}
    # the medication audit: 1 yes of 1 on "safe", 0 of 1 on "well-led"
    assert default["compliance"]["key_questions"]["safe"]["rag"] == "green"
    assert changed["compliance"]["key_questions"]["well-led"]["rag"] == "red"
    lenient = thresholds({"dashboard.compliance_amber_at": 0.0001})
    heat = group_overview([home_figures(doc, TODAY, NOW, lenient)])["heat_map"]["key_questions"]
    assert heat["rows"][0]["cells"]["well-led"]["rag"] == "red"  # 0 is below any amber_at
    assert heat["rows"][0]["cells"]["safe"]["rag"] == "green"


def change(settings: dict[str, object]) -> None:
    context = Context(actor=uuid4(), now=datetime.now(UTC), settings={}, facts={})
    group_id = uuid4()
    state = GROUPS.fold(
        GROUPS.decide(RegisterProviderGroup(group_id=group_id, name="G"), None, context)
    )
    GROUPS.decide(ChangeSettings(settings=settings), state, context)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("settings", "field", "says"),
    [
        ({"dashboard.compliance_amber_at": 0.95}, "dashboard.compliance_amber_at", "less than"),
        ({"dashboard.compliance_green_at": 1.5}, "dashboard.compliance_green_at", "at most 1"),
        ({"dashboard.compliance_green_at": 1}, "dashboard.compliance_green_at", "decimal"),
        ({"dashboard.overdue_audits_red_at": 0}, "dashboard.overdue_audits_red_at", "at least"),
        ({"dashboard.red_audits_amber_at": 0}, "dashboard.red_audits_amber_at", "1 or more"),
        (
            {"dashboard.overdue_actions_amber_at": 6},
            "dashboard.overdue_actions_red_at",
            "at least dashboard.overdue_actions_amber_at (6)",
        ),
    ],
)
def test_thresholds_that_cannot_all_hold_are_refused(
    settings: dict[str, object], field: str, says: str
) -> None:
    with pytest.raises(InvalidCommand) as refused:
        change(settings)
    assert refused.value.field == f"settings.{field}"
    assert says in refused.value.message


def test_consistent_thresholds_are_accepted_together() -> None:
    change({"dashboard.overdue_actions_amber_at": 6, "dashboard.overdue_actions_red_at": 9})


def test_compliance_in_integers_rates_exactly_as_the_fraction_does() -> None:
    rated = thresholds(
        {"dashboard.compliance_green_at": 0.9, "dashboard.compliance_amber_at": 0.75}
    )
    assert rated.compliance_of(9, 10) == "green"  # exactly at the boundary: inclusive
    assert rated.compliance_of(899, 1000) == "amber"
    assert rated.compliance_of(3, 4) == "amber"
    assert rated.compliance_of(74, 100) == "red"
    assert rated.compliance_of(0, 0) is None
    for yes in range(0, 31):
        assert rated.compliance_of(yes, 30) == rated.compliance(Fraction(yes, 30))
