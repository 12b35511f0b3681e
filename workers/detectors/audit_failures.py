"""Audit detectors: a question failing again at one home (repeated), the same question or
quality statement failing across homes (systemic), and a home's compliance slipping against its
own trend or below the floor. Pure functions of a GroupState."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from projections.detector_facts import answers_of
from projections.home_dashboard_facts import key_question_of
from services.alerts.settings import setting
from workers.detectors.model import Finding, GroupState, Home, finding, moment


@dataclass(frozen=True, slots=True)
class Completed:
    """A completed audit of a home, with its answers by question id."""

    audit_id: str
    home: Home
    completed_at: datetime
    framework: str
    statements: dict[str, dict[str, int]]
    answers: dict[str, str]


def completed_audits(home: Home) -> list[Completed]:
    """The home's completed audits, oldest first."""
    audits = [
        Completed(
            audit_id=audit_id,
            home=home,
            completed_at=moment(audit["completed_at"]),
            framework=audit["framework"],
            statements=audit.get("statements", {}),
            answers=answers_of(home.facts, audit_id),
        )
        for audit_id, audit in home.dashboard["audits"].items()
        if audit["status"] == "completed"
    ]
    return sorted(audits, key=lambda a: (a.completed_at, a.audit_id))


def _question_text(group: GroupState, question_id: str) -> str:
    known = group.questions.get(question_id)
    return known.text if known else f"Question {question_id}"


def repeated_failures(group: GroupState) -> list[Finding]:
    """A question answered "no" in each of a home's last N audits that asked it (N = 2)."""
    needed = max(1, setting(group.settings, "alerts.repeated_failure_audits"))
    found = []
    for home in group.homes:
        by_question: dict[str, list[tuple[str, str]]] = {}
        for audit in completed_audits(home):
            for question_id, answer in audit.answers.items():
                if answer != "na":
                    by_question.setdefault(question_id, []).append((audit.audit_id, answer))
        for question_id, answers in sorted(by_question.items()):
            last = answers[-needed:]
            if len(last) < needed or any(answer != "no" for _, answer in last):
                continue
            text = _question_text(group, question_id)
            found.append(
                finding(
                    "repeated_failure",
                    f"{home.id}:{question_id}",
                    f"'{text}' failed in {needed} consecutive audits at {home.name}",
                    f"Audit question {question_id} was answered 'no' in each of the last"
                    f" {needed} audits of the home that asked it.",
                    location_id=home.id,
                    records=[("audits", a) for a, _ in last],
                )
            )
    return found


def systemic_failures(group: GroupState) -> list[Finding]:
    """The same question failed in at least N homes (N = 3) within the window (30 days); the same
    quality statement likewise, when no single question of it already accounts for it."""
    homes_needed = max(1, setting(group.settings, "alerts.systemic_homes"))
    since = group.now - timedelta(days=setting(group.settings, "alerts.systemic_window_days"))
    questions: dict[str, dict[str, set[str]]] = {}  # question → home → failing audits
    statements: dict[str, dict[str, set[str]]] = {}
    statement_of: dict[str, str] = {}
    for home in group.homes:
        for audit in completed_audits(home):
            if not since < audit.completed_at <= group.now:
                continue
            for question_id, answer in audit.answers.items():
                if answer == "no":
                    questions.setdefault(question_id, {}).setdefault(home.id, set()).add(
                        audit.audit_id
                    )
                    if known := group.questions.get(question_id):
                        statement_of[question_id] = known.statement
            for statement, counts in audit.statements.items():
                if counts.get("no", 0) > 0:
                    statements.setdefault(statement, {}).setdefault(home.id, set()).add(
                        audit.audit_id
                    )
    found, covered = [], set()
    for question_id, homes in sorted(questions.items()):
        if len(homes) < homes_needed:
            continue
        covered.add(statement_of.get(question_id))
        text = _question_text(group, question_id)
        found.append(_systemic(f"question:{question_id}", f"'{text}'", homes, group))
    for statement, homes in sorted(statements.items()):
        if len(homes) >= homes_needed and statement not in covered:
            found.append(
                _systemic(f"statement:{statement}", f"Quality statement {statement}", homes, group)
            )
    return found


def _systemic(key: str, what: str, homes: dict[str, set[str]], group: GroupState) -> Finding:
    names = sorted(h.name for h in group.homes if h.id in homes)
    days = setting(group.settings, "alerts.systemic_window_days")
    return finding(
        "systemic_failure",
        key,
        f"{what} failed in {len(homes)} homes within {days} days",
        f"Failed at: {', '.join(names)}.",
        location_id=None,
        location_ids=tuple(homes),
        records=[("audits", a) for audits in homes.values() for a in audits],
    )


def _months_before(moment_: datetime, months: int) -> datetime:
    year, month = divmod(moment_.year * 12 + moment_.month - 1 - months, 12)
    day = min(moment_.day, 28)
    return moment_.replace(year=year, month=month + 1, day=day)


def _compliance_series(
    home: Home, axis: str
) -> Iterator[tuple[str, list[tuple[Completed, float]]]]:
    """For each quality statement (axis "statement") or key question ("key_question"): every
    completed audit that answered it, oldest first, with its compliance in percent."""
    series: dict[str, list[tuple[Completed, float]]] = {}
    for audit in completed_audits(home):
        tally: dict[str, list[int]] = {}
        for statement, counts in audit.statements.items():
            name = statement if axis == "statement" else key_question_of(audit.framework, statement)
            entry = tally.setdefault(name, [0, 0])
            entry[0] += counts.get("yes", 0)
            entry[1] += counts.get("yes", 0) + counts.get("no", 0)
        for name, (yes, answered) in tally.items():
            if answered:
                series.setdefault(name, []).append((audit, 100.0 * yes / answered))
    yield from sorted(series.items())


def slipping_standards(group: GroupState) -> list[Finding]:
    """A home's latest compliance for a quality statement (or key question) at least 10 points
    below its own mean over the 3 months before, or below 80%. A key question is reported only
    when none of its statements is."""
    drop = setting(group.settings, "alerts.slipping_drop_points")
    floor = setting(group.settings, "alerts.slipping_floor_percent")
    months = setting(group.settings, "alerts.slipping_trailing_months")
    found = []
    for home in group.homes:
        slipping_kqs: set[str] = set()
        for axis in ("statement", "key_question"):
            for name, series in _compliance_series(home, axis):
                latest, score = series[-1]
                since = _months_before(latest.completed_at, months)
                trailing = [s for a, s in series[:-1] if since <= a.completed_at]
                mean = sum(trailing) / len(trailing) if trailing else None
                below_trend = mean is not None and score <= mean - drop
                if not (score < floor or below_trend):
                    continue
                if axis == "statement":
                    slipping_kqs.add(key_question_of(latest.framework, name))
                elif name in slipping_kqs:
                    continue
                why = [f"{score:.0f}% in the latest audit"]
                if mean is not None:
                    why.append(f"against a {months}-month mean of {mean:.0f}%")
                found.append(
                    finding(
                        "slipping_standard",
                        f"{home.id}:{axis}:{name}",
                        f"{name.replace('_', ' ')} slipping at {home.name}: {score:.0f}%",
                        " ".join(why) + f" (floor {floor}%, drop {drop} points).",
                        location_id=home.id,
                        records=[("audits", latest.audit_id)]
                        + [
                            ("audits", a.audit_id)
                            for a, _ in series[:-1]
                            if since <= a.completed_at
                        ],
                    )
                )
    return found
