"""Which notifications an incident requires and by when; English working days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.incidents.events import RequiredNotification
from services.incidents.notifications import (
    DEFAULTS,
    IncidentFacts,
    made_at,
    outstanding,
    progress,
    required_notifications,
    setting,
    working_deadline,
)
from services.kernel.calendar import add_working_days, is_working_day

OCCURRED = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
REPORTED = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)  # a Monday


def facts(**overrides: object) -> IncidentFacts:
    values: dict[str, object] = {
        "category": "fall",
        "severity": "no_harm",
        "occurred_at": OCCURRED,
        "reported_at": REPORTED,
    }
    values.update(overrides)
    return IncidentFacts(**values)  # type: ignore[arg-type]


def required(
    settings: dict[str, object] | None = None, **overrides: object
) -> dict[str, RequiredNotification]:
    return {r.recipient: r for r in required_notifications(facts(**overrides), settings or {})}


# --- working days -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 6, 1), 0, date(2026, 6, 1)),  # Monday, nothing added
        (date(2026, 6, 5), 1, date(2026, 6, 8)),  # Friday → Monday
        (date(2026, 6, 6), 1, date(2026, 6, 8)),  # Saturday → Monday
        (date(2026, 6, 1), 10, date(2026, 6, 15)),  # two plain weeks
        # Christmas 2026: Fri 25 Dec, Boxing Day Sat 26 → substitute Mon 28 Dec
        (date(2026, 12, 24), 1, date(2026, 12, 29)),
        (date(2026, 12, 24), 3, date(2026, 12, 31)),
        (date(2026, 12, 24), 4, date(2027, 1, 4)),  # New Year's Day, Fri 1 Jan 2027
        (date(2026, 12, 24), 10, date(2027, 1, 12)),
        # Easter 2027: Good Friday 26 March, Easter Monday 29 March
        (date(2027, 3, 25), 1, date(2027, 3, 30)),
        (date(2027, 3, 26), 1, date(2027, 3, 30)),  # starting on the holiday itself
        (date(2027, 3, 25), 10, date(2027, 4, 12)),
    ],
)
def test_add_working_days_skips_weekends_and_bank_holidays(start: date, n: int, expected: date):
    assert add_working_days(start, n) == expected


def test_substitute_bank_holidays_are_not_working_days():
    assert not is_working_day(date(2026, 12, 28))  # Boxing Day (substitute)
    assert not is_working_day(date(2027, 12, 27))  # Christmas Day (substitute)
    assert is_working_day(date(2026, 12, 29))


def test_negative_working_days_are_refused():
    with pytest.raises(ValueError, match="negative"):
        add_working_days(date(2026, 6, 1), -1)


def test_working_deadline_keeps_the_uk_clock_time_across_the_clock_change():
    # 10:00 GMT on Thursday 25 March 2027; clocks go forward on Sunday 28 March
    start = datetime(2027, 3, 25, 10, 0, tzinfo=UTC)
    assert working_deadline(start, 1) == datetime(2027, 3, 30, 9, 0, tzinfo=UTC)  # 10:00 BST


def test_working_deadline_uses_the_uk_date_not_the_utc_date():
    # 23:30 UTC on Friday 5 June 2026 is already Saturday 00:30 in London
    start = datetime(2026, 6, 5, 23, 30, tzinfo=UTC)
    assert working_deadline(start, 1) == datetime(2026, 6, 7, 23, 30, tzinfo=UTC)  # Mon 00:30 BST


# --- settings ---------------------------------------------------------------------------------


def test_missing_settings_take_their_defaults():
    assert all(setting({}, key) == value for key, value in DEFAULTS.items())


@pytest.mark.parametrize("bad", [None, "48", -1, True, 2.5, [48]])
def test_unusable_settings_fall_back_to_the_default(bad: object):
    assert setting({"incidents.cqc_other_hours": bad}, "incidents.cqc_other_hours") == 24


def test_a_tenant_setting_of_zero_means_immediately():
    rule = required({"incidents.cqc_other_hours": 0}, severity="severe")["cqc"]
    assert rule.due_at == REPORTED


# --- which notifications ----------------------------------------------------------------------


@pytest.mark.parametrize("severity", ["no_harm", "low"])
def test_a_minor_fall_is_not_notifiable(severity: str):
    assert required(severity=severity) == {}


@pytest.mark.parametrize("category", ["fall", "medication_error", "missed_visit", "pressure_ulcer"])
def test_moderate_harm_needs_only_the_duty_of_candour(category: str):
    assert list(required(category=category, severity="moderate")) == ["duty_of_candour"]


def test_a_death_is_notified_to_cqc_under_reg_16_within_the_death_window():
    rule = required(category="death")["cqc"]
    assert "reg 16" in rule.reason
    assert rule.due_at == REPORTED + timedelta(hours=24)
    assert "incidents.cqc_death_hours" in rule.rule


def test_an_expected_death_without_harm_has_no_duty_of_candour():
    assert list(required(category="death", severity="no_harm")) == ["cqc"]


def test_severity_death_is_reg_16_and_duty_of_candour_whatever_the_category():
    found = required(category="fall", severity="death")
    assert list(found) == ["cqc", "duty_of_candour"]
    assert "reg 16" in found["cqc"].reason


def test_the_death_window_is_a_tenant_setting():
    rule = required({"incidents.cqc_death_hours": 12}, category="death")["cqc"]
    assert rule.due_at == REPORTED + timedelta(hours=12)
    assert "12 hours" in rule.rule


def test_a_serious_injury_is_reg_18():
    found = required(severity="severe")
    assert list(found) == ["cqc", "duty_of_candour"]
    assert "reg 18" in found["cqc"].reason and "serious injury" in found["cqc"].reason
    assert found["cqc"].due_at == REPORTED + timedelta(hours=24)


def test_safeguarding_goes_to_cqc_and_the_local_authority():
    found = required({"incidents.safeguarding_hours": 8}, category="safeguarding", severity="low")
    assert list(found) == ["cqc", "local_authority_safeguarding"]
    assert "abuse" in found["cqc"].reason
    assert found["local_authority_safeguarding"].due_at == REPORTED + timedelta(hours=8)


@pytest.mark.parametrize(
    ("category", "words"), [("police", "police"), ("utilities_failure", "safe running")]
)
def test_police_and_utilities_failures_are_reg_18(category: str, words: str):
    rule = required(category=category)["cqc"]
    assert "reg 18" in rule.reason and words in rule.reason


def test_several_reg_18_reasons_make_one_cqc_notification():
    found = required(category="police", severity="severe")
    assert [r for r in found if r == "cqc"] == ["cqc"]
    assert "serious injury" in found["cqc"].reason and "police" in found["cqc"].reason


@pytest.mark.parametrize("reportable", [None, False])
def test_riddor_only_when_reportable(reportable: bool | None):
    assert "hse_riddor" not in required(severity="severe", riddor_reportable=reportable)


@pytest.mark.parametrize(
    ("kind", "due"),
    [
        (None, OCCURRED + timedelta(days=10)),
        ("other", OCCURRED + timedelta(days=10)),
        ("over_7_day", OCCURRED + timedelta(days=15)),
        ("death", REPORTED + timedelta(hours=24)),
        ("specified_injury", REPORTED + timedelta(hours=24)),
    ],
)
def test_riddor_deadlines(kind: str | None, due: datetime):
    assert required(riddor_reportable=True, riddor_kind=kind)["hse_riddor"].due_at == due


def test_riddor_deadlines_follow_the_tenant_settings():
    settings = {
        "incidents.riddor_days": 7,
        "incidents.riddor_over_7_day_days": 14,
        "incidents.cqc_death_hours": 6,
        "incidents.cqc_other_hours": 4,
    }
    due = {
        kind: required(settings, riddor_reportable=True, riddor_kind=kind)["hse_riddor"].due_at
        for kind in ("other", "over_7_day", "death", "specified_injury")
    }
    assert due == {
        "other": OCCURRED + timedelta(days=7),
        "over_7_day": OCCURRED + timedelta(days=14),
        "death": REPORTED + timedelta(hours=6),
        "specified_injury": REPORTED + timedelta(hours=4),
    }


def test_duty_of_candour_is_ten_working_days_by_default():
    rule = required(severity="moderate")["duty_of_candour"]
    assert rule.due_at == datetime(2026, 6, 15, 10, 0, tzinfo=UTC)  # Mon 1 June → Mon 15 June
    assert "10 working days" in rule.rule


def test_duty_of_candour_over_christmas_skips_the_bank_holidays():
    reported = datetime(2026, 12, 24, 15, 0, tzinfo=UTC)
    settings = {"incidents.duty_of_candour_working_days": 3}
    rule = required(settings, severity="severe", reported_at=reported)["duty_of_candour"]
    assert rule.due_at == datetime(2026, 12, 31, 15, 0, tzinfo=UTC)


# --- progress ---------------------------------------------------------------------------------

DUE = datetime(2026, 6, 2, 10, 0, tzinfo=UTC)
CQC = RequiredNotification(recipient="cqc", reason="r", rule="r", due_at=DUE)
CANDOUR = RequiredNotification(recipient="duty_of_candour", reason="r", rule="r", due_at=DUE)


def test_notified_exactly_at_the_deadline_is_in_time():
    (cqc,) = progress([CQC], {"cqc": DUE}, now=DUE + timedelta(days=1))
    assert (cqc.made_at, cqc.made_in_time, cqc.overdue) == (DUE, True, False)


def test_notified_a_second_late_is_not_in_time():
    late = DUE + timedelta(seconds=1)
    (cqc,) = progress([CQC], {"cqc": late}, now=late)
    assert (cqc.made_in_time, cqc.overdue) == (False, False)


def test_not_notified_is_overdue_only_after_the_deadline():
    (at_deadline,) = progress([CQC], {}, now=DUE)
    (after,) = progress([CQC], {}, now=DUE + timedelta(seconds=1))
    assert (at_deadline.made_at, at_deadline.made_in_time, at_deadline.overdue) == (
        None,
        None,
        False,
    )
    assert after.overdue is True


def test_the_first_notification_to_a_recipient_counts():
    early, later = DUE - timedelta(hours=2), DUE + timedelta(hours=2)
    assert made_at([("cqc", later), ("cqc", early)], {}) == {"cqc": early}


def test_duty_of_candour_is_met_when_every_step_is_done():
    steps = {
        "informed": DUE - timedelta(hours=3),
        "apologised": DUE - timedelta(hours=3),
        "true_account": DUE + timedelta(hours=1),
    }
    assert "duty_of_candour" not in made_at([], steps)
    assert outstanding([CQC, CANDOUR], made_at([], steps)) == ["cqc", "duty_of_candour"]
    steps["written_follow_up"] = DUE - timedelta(hours=1)
    assert made_at([], steps) == {"duty_of_candour": DUE + timedelta(hours=1)}
