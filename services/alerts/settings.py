"""Tenant settings the detectors and escalation read, with the value each takes by default.

Statutory and complaint deadlines are not here: they are fixed on each incident and complaint
from the incidents.* and complaints.* settings when the record is made.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

DEFAULTS: Mapping[str, int] = {
    "alerts.escalate_after_hours": 48,
    "alerts.repeated_failure_audits": 2,
    "alerts.systemic_homes": 3,
    "alerts.systemic_window_days": 30,
    "alerts.recurring_home_count": 3,
    "alerts.recurring_home_days": 7,
    "alerts.recurring_person_count": 3,
    "alerts.recurring_person_days": 30,
    "alerts.slipping_drop_points": 10,
    "alerts.slipping_floor_percent": 80,
    "alerts.slipping_trailing_months": 3,
}


def setting(settings: Mapping[str, Any], key: str) -> int:
    """The tenant's value for `key`, or the default when missing or not a whole number ≥ 0."""
    value = settings.get(key)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return DEFAULTS[key]
