"""Audit detectors: repeated failures at a home, systemic failures across homes, slipping
standards. Given audits at homes, when the detector runs, then findings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.unit.detector_log import IPC, MEDS, Q_HANDS, Q_MAR, Q_STORE, Log
from workers.detectors.audit_failures import (
    repeated_failures,
    slipping_standards,
    systemic_failures,
)

NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def test_the_same_question_failed_in_two_consecutive_audits_of_a_home() -> None:
    log = Log()
    home = log.home("Oak House")
    log.audit(home, ago(60), {Q_MAR: "no"})
    first = log.audit(home, ago(30), {Q_MAR: "no", Q_HANDS: "no"})
    second = log.audit(home, ago(1), {Q_MAR: "no"})
    found = repeated_failures(log.group(NOW))
    assert [(f.kind, f.key) for f in found] == [("repeated_failure", f"{home}:{Q_MAR.id}")]
    assert found[0].records == tuple(sorted((("audits", str(first)), ("audits", str(second)))))
    assert "MAR charts" in found[0].title


def test_a_pass_in_between_is_not_consecutive_and_na_is_skipped() -> None:
    log = Log()
    home = log.home("Oak House")
    log.audit(home, ago(60), {Q_MAR: "no", Q_HANDS: "no"})
    log.audit(home, ago(30), {Q_MAR: "yes", Q_HANDS: "na"})
    log.audit(home, ago(1), {Q_MAR: "no", Q_HANDS: "no"})
    found = repeated_failures(log.group(NOW))
    assert [f.key for f in found] == [f"{home}:{Q_HANDS.id}"]


def test_one_failure_is_not_repeated_and_the_setting_moves_the_count() -> None:
    log = Log()
    home = log.home("Oak House")
    log.audit(home, ago(30), {Q_MAR: "no"})
    log.audit(home, ago(1), {Q_MAR: "no"})
    assert repeated_failures(log.group(NOW, {"alerts.repeated_failure_audits": 3})) == []
    assert len(repeated_failures(log.group(NOW))) == 1


def _homes(log: Log, n: int) -> list:
    return [log.home(f"Home {i}") for i in range(n)]


def test_systemic_exactly_three_homes_within_thirty_days() -> None:
    log = Log()
    homes = _homes(log, 4)
    for home in homes[:3]:
        log.audit(home, ago(10), {Q_MAR: "no"})
    found = systemic_failures(log.group(NOW))
    assert [(f.kind, f.key, f.location_id) for f in found] == [
        ("systemic_failure", f"question:{Q_MAR.id}", None)
    ]
    assert found[0].location_ids == tuple(sorted(str(h) for h in homes[:3]))
    assert len(found[0].records) == 3 and found[0].severity == "high"


def test_systemic_two_homes_is_not_enough() -> None:
    log = Log()
    homes = _homes(log, 3)
    for home in homes[:2]:
        log.audit(home, ago(10), {Q_MAR: "no"})
    log.audit(homes[2], ago(10), {})
    assert systemic_failures(log.group(NOW)) == []


def test_systemic_window_excludes_a_failure_31_days_ago() -> None:
    log = Log()
    homes = _homes(log, 3)
    log.audit(homes[0], ago(31), {Q_MAR: "no"})
    log.audit(homes[1], ago(29), {Q_MAR: "no"})
    log.audit(homes[2], ago(1), {Q_MAR: "no"})
    assert systemic_failures(log.group(NOW)) == []
    assert len(systemic_failures(log.group(NOW, {"alerts.systemic_window_days": 32}))) == 1


def test_systemic_by_quality_statement_when_different_questions_fail() -> None:
    log = Log()
    homes = _homes(log, 3)
    log.audit(homes[0], ago(5), {Q_MAR: "no"})
    log.audit(homes[1], ago(5), {Q_STORE: "no"})
    log.audit(homes[2], ago(5), {Q_MAR: "no", Q_STORE: "no"})
    found = systemic_failures(log.group(NOW))
    assert [f.key for f in found] == [f"statement:{MEDS}"]


def test_a_question_level_systemic_failure_covers_its_statement() -> None:
    log = Log()
    homes = _homes(log, 3)
    for home in homes:
        log.audit(home, ago(5), {Q_MAR: "no", Q_HANDS: "no"})
    keys = {f.key for f in systemic_failures(log.group(NOW))}
    assert keys == {f"question:{Q_MAR.id}", f"question:{Q_HANDS.id}"}


def test_slipping_below_the_floor() -> None:
    log = Log()
    home = log.home("Oak House")
    latest = log.audit(home, ago(1), {Q_MAR: "no"})  # medicines 1 of 2 = 50%
    found = slipping_standards(log.group(NOW))
    assert [(f.key, f.records) for f in found] == [
        (f"{home}:statement:{MEDS}", (("audits", str(latest)),))
    ]


def test_slipping_ten_points_below_its_own_three_month_mean() -> None:
    # Floor 0% so only the trend matters.
    log = Log()
    home = log.home("Oak House")
    log.audit(home, ago(80), {})
    log.audit(home, ago(40), {})
    log.audit(home, ago(1), {Q_HANDS: "no"})  # IPC 0%, safe 67% vs mean 100%
    settings = {"alerts.slipping_floor_percent": 0}
    keys = {f.key for f in slipping_standards(log.group(NOW, settings))}
    assert keys == {f"{home}:statement:{IPC}"}  # the key question is covered by its statement


def test_a_slipping_statement_covers_its_key_question_at_any_drop_setting() -> None:
    log = Log()
    home = log.home("Oak House")
    log.audit(home, ago(40), {})  # safe 100%
    log.audit(home, ago(1), {Q_MAR: "no"})  # safe 67% (-33), medicines 50% (-50)
    settings = {"alerts.slipping_floor_percent": 0, "alerts.slipping_drop_points": 40}
    keys = {f.key for f in slipping_standards(log.group(NOW, settings))}
    assert keys == {f"{home}:statement:{MEDS}"}
    settings["alerts.slipping_drop_points"] = 30
    keys = {f.key for f in slipping_standards(log.group(NOW, settings))}
    assert keys == {f"{home}:statement:{MEDS}"}
    settings["alerts.slipping_drop_points"] = 60
    assert slipping_standards(log.group(NOW, settings)) == []


def test_slipping_exactly_ten_points_counts_nine_does_not() -> None:
    log = Log()
    home = log.home("Oak House")
    log.audit(home, ago(40), {})
    log.audit(home, ago(1), {Q_MAR: "no"})  # medicines 100 → 50
    assert slipping_standards(
        log.group(NOW, {"alerts.slipping_floor_percent": 0, "alerts.slipping_drop_points": 50})
    )
    assert not slipping_standards(
        log.group(NOW, {"alerts.slipping_floor_percent": 0, "alerts.slipping_drop_points": 51})
    )


def test_an_audit_older_than_the_trailing_months_does_not_count() -> None:
    log = Log()
    home = log.home("Oak House")
    log.audit(home, ago(120), {})
    log.audit(home, ago(1), {Q_MAR: "no"})
    assert slipping_standards(log.group(NOW, {"alerts.slipping_floor_percent": 0})) == []
