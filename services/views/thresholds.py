"""Where the dashboards turn a figure red, amber or green: tenant settings, with defaults.

Compliance (yes / (yes + no) over a home's latest audits) is green at or above
`dashboard.compliance_green_at`, amber at or above `dashboard.compliance_amber_at`, red below.
A count of overdue things is red at or above its `_red_at`, amber at or above its `_amber_at`,
green below. The home dashboard, the group overview and its heat map all read these.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from typing import Any, Literal

from services.kernel.errors import InvalidCommand
from services.kernel.tenant_settings import TenantSetting, defaults

Rag = Literal["green", "amber", "red"]

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


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The RAG boundaries in force for one tenant."""

    compliance_green_at: float
    compliance_amber_at: float
    counts: Mapping[str, tuple[int, int]]  # figure → (amber at, red at)

    def compliance(self, value: Fraction | float | None) -> Rag | None:
        """As audits rate a score (services/audits/scoring.py): inclusive, exact decimals."""
        if value is None:
            return None
        exact = value if isinstance(value, Fraction) else Fraction(str(value))
        green, amber = self._exact
        return "green" if exact >= green else "amber" if exact >= amber else "red"

    def compliance_of(self, yes: int, answered: int) -> Rag | None:
        """`compliance(Fraction(yes, answered))` in integers: what the views call per statement
        and per home, where Fraction arithmetic was most of the group overview's time."""
        if not answered:
            return None
        green, amber = self._exact
        if yes * green.denominator >= green.numerator * answered:
            return "green"
        return "amber" if yes * amber.denominator >= amber.numerator * answered else "red"

    @property
    def _exact(self) -> tuple[Fraction, Fraction]:
        return _exact(self.compliance_green_at, self.compliance_amber_at)

    def count(self, figure: str, count: int) -> Rag:
        amber_at, red_at = self.counts[figure]
        if count >= red_at:
            return "red"
        return "amber" if count >= amber_at else "green"

    def described(self) -> dict[str, Any]:
        """What the response shows of them, so a reader can tell why a figure has its colour."""
        return {
            "compliance_green_at": self.compliance_green_at,
            "compliance_amber_at": self.compliance_amber_at,
            "counts": {
                name: {"amber_at": amber, "red_at": red}
                for name, (amber, red) in self.counts.items()
            },
        }


@cache
def _exact(green_at: float, amber_at: float) -> tuple[Fraction, Fraction]:
    return Fraction(str(green_at)), Fraction(str(amber_at))


def thresholds(settings: Mapping[str, Any]) -> Thresholds:
    """The tenant's thresholds: its settings over the defaults (settings are validated when
    changed, see `check`)."""
    merged = {**DEFAULTS, **{k: v for k, v in settings.items() if k in DEFAULTS}}
    return Thresholds(
        compliance_green_at=float(merged[COMPLIANCE_GREEN]),
        compliance_amber_at=float(merged[COMPLIANCE_AMBER]),
        counts={
            name: (
                int(merged[f"dashboard.{name}_amber_at"]),
                int(merged[f"dashboard.{name}_red_at"]),
            )
            for name in COUNTED
        },
    )


DEFAULT_THRESHOLDS = thresholds({})


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
