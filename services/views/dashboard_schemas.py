"""The home dashboard and group overview as typed responses, so /schema/openapi.json describes
them exactly. The figures are computed as plain data (services/views/home_figures.py and
group_overview.py) and converted to these at the edge: a figure that drifts from its type fails there.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

import msgspec

Rag = Literal["green", "amber", "red"]


class Figure(msgspec.Struct, frozen=True, kw_only=True):
    """A count and the records behind it: their ids and, where the records API can list exactly
    them, filtered collection URLs. `rag` on counts the tenant's thresholds rate."""

    count: int
    ids: list[UUID]
    urls: list[str]
    rag: Rag | None = None


class Alerts(msgspec.Struct, frozen=True, kw_only=True):
    """Open alerts at the home (`available`: whether alerts are recorded at all)."""

    open: int
    available: bool
    ids: list[UUID] = msgspec.field(default_factory=list)
    urls: list[str] = msgspec.field(default_factory=list)


class CountThreshold(msgspec.Struct, frozen=True, kw_only=True):
    amber_at: int
    red_at: int


class DashboardThresholds(msgspec.Struct, frozen=True, kw_only=True):
    """The tenant's RAG boundaries in force (settings `dashboard.*`)."""

    compliance_green_at: float
    compliance_amber_at: float
    counts: dict[str, CountThreshold]


class ActionFigures(msgspec.Struct, frozen=True, kw_only=True):
    open: Figure
    overdue: Figure
    open_by_priority: dict[str, Figure]
    overdue_by_priority: dict[str, Figure]


class CategoryFigures(msgspec.Struct, frozen=True, kw_only=True):
    total: Figure
    #: `YYYY-MM` → the category's incidents that occurred that month.
    by_month: dict[str, Figure]


class IncidentFigures(msgspec.Struct, frozen=True, kw_only=True):
    """Incidents of the last twelve months (England calendar months), by when they occurred."""

    months: list[str]
    total: Figure
    by_category: dict[str, CategoryFigures]


class NotificationProgress(msgspec.Struct, frozen=True, kw_only=True):
    recipient: str
    due_at: datetime
    made_at: datetime | None
    made_in_time: bool | None
    overdue: bool


class NotifiableIncident(msgspec.Struct, frozen=True, kw_only=True):
    incident_id: UUID
    reference: str | None
    category: str
    occurred_at: datetime
    notified: bool
    notified_in_time: bool | None
    notifications: list[NotificationProgress]


class NotificationFigures(msgspec.Struct, frozen=True, kw_only=True):
    count: int
    not_notified: Figure
    overdue: Figure
    notified_late: Figure
    incidents: list[NotifiableIncident]


class OpenComplaint(msgspec.Struct, frozen=True, kw_only=True):
    complaint_id: UUID
    reference: str
    status: str
    received_on: date
    age_working_days: int
    acknowledge_by: date
    respond_by: date


class ComplaintFigures(msgspec.Struct, frozen=True, kw_only=True):
    open: Figure
    overdue: Figure
    acknowledgement_overdue: Figure
    response_overdue: Figure
    complaints: list[OpenComplaint]


class LatestAudit(msgspec.Struct, frozen=True, kw_only=True):
    template_id: UUID
    template_name: str
    audit_id: UUID
    completed_at: datetime
    score: float | None
    rag: Rag | None


class AuditFigures(msgspec.Struct, frozen=True, kw_only=True):
    due: Figure
    overdue: Figure
    latest_by_template: list[LatestAudit]
    red: Figure


class Compliance(msgspec.Struct, frozen=True, kw_only=True):
    """yes / (yes + no) over the latest completed audit of each template, with those audits."""

    yes: int
    no: int
    audit_ids: list[UUID]
    compliance: float | None
    rag: Rag | None
    key_question: str | None = None


class ComplianceThresholds(msgspec.Struct, frozen=True, kw_only=True):
    green_at: float
    amber_at: float


class ComplianceFigures(msgspec.Struct, frozen=True, kw_only=True):
    thresholds: ComplianceThresholds
    quality_statements: dict[str, Compliance]
    key_questions: dict[str, Compliance]


class HomeDashboard(msgspec.Struct, frozen=True, kw_only=True):
    location_id: UUID
    name: str | None
    as_of: date
    thresholds: DashboardThresholds
    actions: ActionFigures
    incidents: IncidentFigures
    notifiable_incidents: NotificationFigures
    complaints: ComplaintFigures
    audits: AuditFigures
    compliance: ComplianceFigures
    alerts: Alerts


class HomeKeyFigures(msgspec.Struct, frozen=True, kw_only=True):
    location_id: UUID
    name: str | None
    open_actions: Figure
    overdue_actions: Figure
    incidents_last_12_months: Figure
    incidents_not_notified: Figure
    overdue_notifications: Figure
    open_complaints: Figure
    overdue_complaints: Figure
    overdue_audits: Figure
    red_audits: Figure
    open_alerts: Alerts


class RankedHome(msgspec.Struct, frozen=True, kw_only=True):
    rank: int
    location_id: UUID
    name: str | None
    score: int


class Ranking(msgspec.Struct, frozen=True, kw_only=True):
    rule: str
    homes: list[RankedHome]


class HeatMapCell(msgspec.Struct, frozen=True, kw_only=True):
    compliance: float | None
    rag: Rag | None
    audit_ids: list[UUID]


class HeatMapRow(msgspec.Struct, frozen=True, kw_only=True):
    location_id: UUID
    name: str | None
    cells: dict[str, HeatMapCell]


class HeatMap(msgspec.Struct, frozen=True, kw_only=True):
    columns: list[str]
    rows: list[HeatMapRow]


class HeatMaps(msgspec.Struct, frozen=True, kw_only=True):
    key_questions: HeatMap
    #: Only with `?detail=statements`.
    quality_statements: HeatMap | None = None


class GroupOverview(msgspec.Struct, frozen=True, kw_only=True):
    thresholds: DashboardThresholds
    homes: list[HomeKeyFigures]
    ranking: Ranking
    heat_map: HeatMaps
