"""What every detector reads (a group's homes as read models hold them, the tenant settings and
the moment) and what it returns (findings: one per condition, with the records behind it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from projections.projection import Document
from services.alerts.events import Kind, Severity

SEVERITY: Mapping[Kind, Severity] = {
    "overdue_action": "medium",
    "statutory_deadline": "high",
    "complaint_deadline": "medium",
    "repeated_failure": "medium",
    "systemic_failure": "high",
    "recurring_incident": "high",
    "slipping_standard": "medium",
    "audit_overdue": "medium",
}


@dataclass(frozen=True, slots=True)
class Home:
    """One home: its home_dashboard document and its detector_facts document."""

    dashboard: Document
    facts: Document

    @property
    def id(self) -> str:
        return str(self.dashboard["location_id"])

    @property
    def name(self) -> str:
        return str(self.dashboard.get("name") or self.id)


@dataclass(frozen=True, slots=True)
class Question:
    statement: str
    text: str


@dataclass(frozen=True, slots=True)
class GroupState:
    """A provider group as the detectors see it at `now` (`today` is the date in England)."""

    homes: tuple[Home, ...]
    settings: Mapping[str, Any]
    now: datetime
    today: date
    #: Users who can no longer own an action (deactivated).
    inactive_users: frozenset[str] = field(default_factory=frozenset)
    #: Audit question id → its quality statement and text (from the group's audit templates).
    questions: Mapping[str, Question] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Finding:
    """A condition a detector found. `key` identifies the condition within its kind, so the same
    condition found again maps to the same alert."""

    kind: Kind
    key: str
    title: str
    detail: str
    location_id: str | None
    location_ids: tuple[str, ...]
    records: tuple[tuple[str, str], ...]  # (collection, record id), sorted

    @property
    def severity(self) -> Severity:
        return SEVERITY[self.kind]


def finding(
    kind: Kind,
    key: str,
    title: str,
    detail: str,
    *,
    location_id: str | None,
    records: list[tuple[str, str]] | set[tuple[str, str]],
    location_ids: tuple[str, ...] | None = None,
) -> Finding:
    homes = location_ids if location_ids is not None else ((location_id,) if location_id else ())
    return Finding(
        kind=kind,
        key=key,
        title=title[:300],
        detail=detail[:2000],
        location_id=location_id,
        location_ids=tuple(sorted(set(homes))),
        records=tuple(sorted(set(records))),
    )


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)
