"""Tenant settings the detectors and escalation read, with the value each takes by default.

Statutory and complaint deadlines are not here: they are fixed on each incident and complaint
from the incidents.* and complaints.* settings when the record is made.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.kernel.tenant_settings import TenantSetting, defaults

#: Each setting's default and bounds (the detectors count from 1 where 0 would mean nothing).
SETTINGS: Mapping[str, TenantSetting] = {
    "alerts.escalate_after_hours": TenantSetting(48, 0, 8760),  # up to a year
    "alerts.repeated_failure_audits": TenantSetting(2, 0, 100),
    "alerts.systemic_homes": TenantSetting(3, 0, 10_000),
    "alerts.systemic_window_days": TenantSetting(30, 0, 3660),  # up to ten years
    "alerts.recurring_home_count": TenantSetting(3, 0, 10_000),
    "alerts.recurring_home_days": TenantSetting(7, 0, 3660),
    "alerts.recurring_person_count": TenantSetting(3, 0, 10_000),
    "alerts.recurring_person_days": TenantSetting(30, 0, 3660),
    "alerts.slipping_drop_points": TenantSetting(10, 0, 100),  # percentage points
    "alerts.slipping_floor_percent": TenantSetting(80, 0, 100),
    "alerts.slipping_trailing_months": TenantSetting(3, 0, 120),
}
DEFAULTS: Mapping[str, int | float] = defaults(SETTINGS)


def setting(settings: Mapping[str, Any], key: str) -> int:
    """The tenant's value for `key`, or the default when missing or not a whole number ≥ 0."""
    value = settings.get(key)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return int(DEFAULTS[key])
