"""Which notifications an incident requires and by when, from its facts and the tenant's settings.

"Without delay" windows (CQC, the local authority, RIDDOR deaths and specified injuries) and the
duty of candour run from when the service became aware (`reported_at`: the report, or the
amendment that made the incident notifiable); RIDDOR's 10 and 15 days run from the incident
itself, as the regulations count them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from services.incidents.events import (
    CANDOUR_STEPS,
    Category,
    RequiredNotification,
    RiddorKind,
    Severity,
    StatutoryRecipient,
)
from services.kernel.calendar import ENGLAND, add_working_days
from services.kernel.tenant_settings import TenantSetting, defaults

#: Tenant settings the rules read: the value each takes when the tenant has not set it, and the
#: bounds of any it sets (up to 30 days for notifications due in hours, a year in days).
SETTINGS: Mapping[str, TenantSetting] = {
    "incidents.cqc_death_hours": TenantSetting(24, 0, 720),
    "incidents.cqc_other_hours": TenantSetting(24, 0, 720),
    "incidents.safeguarding_hours": TenantSetting(24, 0, 720),
    "incidents.riddor_days": TenantSetting(10, 0, 365),
    "incidents.riddor_over_7_day_days": TenantSetting(15, 0, 365),
    "incidents.duty_of_candour_working_days": TenantSetting(10, 0, 260),
}
DEFAULTS: Mapping[str, int | float] = defaults(SETTINGS)

CANDOUR_SEVERITIES: frozenset[Severity] = frozenset({"moderate", "severe", "death"})

#: Categories that make an incident notifiable to CQC under reg 18, and the reg 18 wording.
_REG18_CATEGORIES: Mapping[Category, str] = {
    "safeguarding": "abuse or an allegation of abuse",
    "police": "an incident reported to or investigated by the police",
    "utilities_failure": "an event that stops or threatens the safe running of the service",
}

_HARM: Mapping[str, str] = {"moderate": "moderate harm", "severe": "severe harm", "death": "death"}

_RIDDOR_LABELS: Mapping[RiddorKind, str] = {
    "death": "a death",
    "specified_injury": "a specified injury",
    "over_7_day": "an over-7-day incapacitation",
    "other": "a reportable incident",
}


class IncidentFacts(msgspec.Struct, frozen=True, kw_only=True):
    """What the rules look at."""

    category: Category
    severity: Severity
    occurred_at: datetime
    reported_at: datetime
    riddor_reportable: bool | None = None
    riddor_kind: RiddorKind | None = None


class NotificationProgress(msgspec.Struct, frozen=True, kw_only=True):
    """A required notification and how it stands: made, in time, or overdue."""

    recipient: StatutoryRecipient
    reason: str
    rule: str
    due_at: datetime
    made_at: datetime | None
    made_in_time: bool | None
    overdue: bool


def setting(settings: Mapping[str, Any], key: str) -> int:
    """The tenant's value for `key`, or the default when it is missing or not a whole number ≥ 0."""
    value = settings.get(key)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return int(DEFAULTS[key])


def required_notifications(
    facts: IncidentFacts, settings: Mapping[str, Any]
) -> tuple[RequiredNotification, ...]:
    """Every notification the incident requires, each with its deadline, in a fixed order."""
    found = (
        _cqc(facts, settings),
        _safeguarding(facts, settings),
        _riddor(facts, settings),
        _duty_of_candour(facts, settings),
    )
    return tuple(r for r in found if r is not None)


def is_death(facts: IncidentFacts) -> bool:
    return facts.category == "death" or facts.severity == "death"


def reg18_reasons(facts: IncidentFacts) -> list[str]:
    """Why CQC must hear of a non-death incident under reg 18 (empty when it need not)."""
    reasons = ["a serious injury"] if facts.severity == "severe" else []
    if facts.category in _REG18_CATEGORIES:
        reasons.append(_REG18_CATEGORIES[facts.category])
    return reasons


def working_deadline(start: datetime, working_days: int) -> datetime:
    """The same time of day, `working_days` English working days after `start` (UK local dates)."""
    local = start.astimezone(ENGLAND)
    day = add_working_days(local.date(), working_days)
    return datetime.combine(day, local.time(), tzinfo=ENGLAND).astimezone(UTC)


def made_at(
    notified: Iterable[tuple[str, datetime]], candour_steps: Mapping[str, datetime]
) -> dict[str, datetime]:
    """Recipient → when first notified; the duty of candour counts once all its steps are done."""
    made: dict[str, datetime] = {}
    for recipient, at in notified:
        if recipient not in made or at < made[recipient]:
            made[recipient] = at
    if all(step in candour_steps for step in CANDOUR_STEPS):
        made["duty_of_candour"] = max(candour_steps[step] for step in CANDOUR_STEPS)
    return made


def progress(
    required: Iterable[RequiredNotification], made: Mapping[str, datetime], now: datetime
) -> tuple[NotificationProgress, ...]:
    """Each requirement: when it was met, whether in time, and whether it is overdue at `now`."""
    return tuple(
        NotificationProgress(
            recipient=r.recipient,
            reason=r.reason,
            rule=r.rule,
            due_at=r.due_at,
            made_at=made.get(r.recipient),
            made_in_time=made[r.recipient] <= r.due_at if r.recipient in made else None,
            overdue=r.recipient not in made and now > r.due_at,
        )
        for r in required
    )


def outstanding(
    required: Iterable[RequiredNotification], made: Mapping[str, datetime]
) -> list[str]:
    """Recipients still to be notified, in the order the requirements were listed."""
    return [r.recipient for r in required if r.recipient not in made]


def _within_hours(
    recipient: StatutoryRecipient,
    reason: str,
    key: str,
    start: datetime,
    settings: Mapping[str, Any],
) -> RequiredNotification:
    hours = setting(settings, key)
    return RequiredNotification(
        recipient=recipient,
        reason=reason,
        due_at=start + timedelta(hours=hours),
        rule=f"without delay: within {hours} hours of becoming aware ({key})",
    )


def _cqc(facts: IncidentFacts, settings: Mapping[str, Any]) -> RequiredNotification | None:
    if is_death(facts):
        reason = "CQC Registration Regulations 2009 reg 16: death of a person using the service"
        return _within_hours(
            "cqc", reason, "incidents.cqc_death_hours", facts.reported_at, settings
        )
    reasons = reg18_reasons(facts)
    if not reasons:
        return None
    reason = "CQC Registration Regulations 2009 reg 18: " + "; ".join(reasons)
    return _within_hours("cqc", reason, "incidents.cqc_other_hours", facts.reported_at, settings)


def _safeguarding(facts: IncidentFacts, settings: Mapping[str, Any]) -> RequiredNotification | None:
    if facts.category != "safeguarding":
        return None
    reason = "safeguarding concern: referral to the local authority safeguarding team"
    key = "incidents.safeguarding_hours"
    return _within_hours("local_authority_safeguarding", reason, key, facts.reported_at, settings)


def _riddor(facts: IncidentFacts, settings: Mapping[str, Any]) -> RequiredNotification | None:
    if facts.riddor_reportable is not True:
        return None
    kind = facts.riddor_kind or "other"
    reason = f"RIDDOR: {_RIDDOR_LABELS[kind]} reportable to HSE"
    if kind in ("death", "specified_injury"):
        # RIDDOR says "without delay": the same window the tenant gives CQC for the same event.
        key = "incidents.cqc_death_hours" if kind == "death" else "incidents.cqc_other_hours"
        return _within_hours("hse_riddor", reason, key, facts.reported_at, settings)
    key = "incidents.riddor_over_7_day_days" if kind == "over_7_day" else "incidents.riddor_days"
    days = setting(settings, key)
    return RequiredNotification(
        recipient="hse_riddor",
        reason=reason,
        due_at=facts.occurred_at + timedelta(days=days),
        rule=f"within {days} days of the incident ({key})",
    )


def _duty_of_candour(
    facts: IncidentFacts, settings: Mapping[str, Any]
) -> RequiredNotification | None:
    if facts.severity not in CANDOUR_SEVERITIES:
        return None
    key = "incidents.duty_of_candour_working_days"
    days = setting(settings, key)
    return RequiredNotification(
        recipient="duty_of_candour",
        reason=f"duty of candour (reg 20): {_HARM[facts.severity]}",
        rule=f"within {days} working days of becoming aware, bank holidays excluded ({key})",
        due_at=working_deadline(facts.reported_at, days),
    )
