"""The tenant settings the dashboards' RAG thresholds are read from: their names, defaults and
bounds, and the check that they can all hold at once. Settings belong to the provider group, so
they are declared here beside the other contexts' settings; services/views/thresholds.py rates
with them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.kernel.errors import InvalidCommand
from services.kernel.tenant_settings import TenantSetting, defaults

COMPLIANCE_GREEN = "dashboard.compliance_green_at"
COMPLIANCE_AMBER = "dashboard.compliance_amber_at"
#: The counted figures that carry a RAG, each with its default (amber at, red at).
COUNTED: Mapping[str, tuple[int, int]] = {
    "overdue_actions": (1, 5),
    "overdue_notifications": (1, 1),  # any statutory notification overdue is red
    "overdue_complaints": (1, 3),
    "overdue_audits": (1, 3),
    "red_audits": (1, 2),
}

#: Tenant settings the dashboards read: the value each takes when the tenant has not set it,
#: and the bounds of any it sets (`check` then asks that they can all hold at once).
MAX_COUNT = 100_000
SETTINGS: Mapping[str, TenantSetting] = {
    COMPLIANCE_GREEN: TenantSetting(0.9, 0.0, 1.0),
    COMPLIANCE_AMBER: TenantSetting(0.75, 0.0, 1.0),
    **{
        f"dashboard.{name}_amber_at": TenantSetting(amber, 0, MAX_COUNT)
        for name, (amber, _) in COUNTED.items()
    },
    **{
        f"dashboard.{name}_red_at": TenantSetting(red, 0, MAX_COUNT)
        for name, (_, red) in COUNTED.items()
    },
}
DEFAULTS: Mapping[str, int | float] = defaults(SETTINGS)


def check(settings: Mapping[str, Any]) -> None:
    """Reject thresholds that cannot all hold at once (each value's type is checked apart):
    0 < compliance amber < compliance green <= 1, and 1 <= amber at <= red at for counts."""
    merged = {**DEFAULTS, **{k: v for k, v in settings.items() if k in DEFAULTS}}
    green, amber = merged[COMPLIANCE_GREEN], merged[COMPLIANCE_AMBER]
    if not 0 < green <= 1:
        raise InvalidCommand(f"settings.{COMPLIANCE_GREEN}", "must be more than 0 and at most 1")
    if not 0 < amber < green:
        raise InvalidCommand(
            f"settings.{COMPLIANCE_AMBER}",
            f"must be more than 0 and less than {COMPLIANCE_GREEN} ({green})",
        )
    for name in COUNTED:
        amber_key, red_key = f"dashboard.{name}_amber_at", f"dashboard.{name}_red_at"
        if merged[amber_key] < 1:
            raise InvalidCommand(f"settings.{amber_key}", "must be 1 or more")
        if merged[red_key] < merged[amber_key]:
            raise InvalidCommand(
                f"settings.{red_key}", f"must be at least {amber_key} ({merged[amber_key]})"
            )
