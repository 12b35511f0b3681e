"""Detectors: pure functions from a provider group's read models, settings and the moment to
the conditions that need someone's attention (workers/alerting.py turns them into alerts)."""

from __future__ import annotations

from collections.abc import Callable

from workers.detectors.audit_failures import (
    repeated_failures,
    slipping_standards,
    systemic_failures,
)
from workers.detectors.deadlines import (
    complaint_deadlines,
    overdue_actions,
    overdue_audits,
    statutory_deadlines,
)
from workers.detectors.incidents import recurring_incidents
from workers.detectors.model import Finding, GroupState, Home

Detector = Callable[[GroupState], list[Finding]]

#: Every detector, by the alert kind it finds.
DETECTORS: dict[str, Detector] = {
    "overdue_action": overdue_actions,
    "statutory_deadline": statutory_deadlines,
    "complaint_deadline": complaint_deadlines,
    "repeated_failure": repeated_failures,
    "systemic_failure": systemic_failures,
    "recurring_incident": recurring_incidents,
    "slipping_standard": slipping_standards,
    "audit_overdue": overdue_audits,
}


def detect(group: GroupState) -> list[Finding]:
    """Every finding of every detector (each condition once)."""
    return [f for detector in DETECTORS.values() for f in detector(group)]


__all__ = ["DETECTORS", "Detector", "Finding", "GroupState", "Home", "detect"]
