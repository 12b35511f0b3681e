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

from services.organisations.dashboard_settings import (
    COMPLIANCE_AMBER,
    COMPLIANCE_GREEN,
    COUNTED,
    DEFAULTS,
)

Rag = Literal["green", "amber", "red"]


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
    changed: services/organisations/dashboard_settings.py)."""
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
