"""An incident as its events leave it: the state decide reads and evolve folds."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

import msgspec
from msgspec.structs import replace

from services.incidents.events import (
    Category,
    IncidentAmended,
    IncidentCandourStepRecorded,
    IncidentClosed,
    IncidentInvestigationStarted,
    IncidentLessonsRecorded,
    IncidentNotified,
    IncidentReopened,
    IncidentReported,
    IncidentRootCauseRecorded,
    RequiredNotification,
    RiddorKind,
    Severity,
)
from services.incidents.notifications import IncidentFacts, made_at, outstanding
from services.kernel.events import Event

Status = Literal["reported", "investigating", "closed"]


class IncidentState(msgspec.Struct, frozen=True, kw_only=True):
    incident_id: UUID
    reference: str | None
    location_id: UUID
    category: Category
    severity: Severity
    occurred_at: datetime
    reported_at: datetime
    description: str
    immediate_actions: str | None
    people_involved: tuple[UUID, ...]
    riddor_reportable: bool | None
    riddor_kind: RiddorKind | None
    required: tuple[RequiredNotification, ...]
    status: Status = "reported"
    notifications: tuple[IncidentNotified, ...] = ()
    candour_steps: tuple[IncidentCandourStepRecorded, ...] = ()
    investigator_id: UUID | None = None
    investigation_started_at: datetime | None = None
    root_cause: str | None = None
    lessons: str | None = None
    closure_summary: str | None = None
    closed_at: datetime | None = None
    reopen_reason: str | None = None
    reopened_at: datetime | None = None

    def facts(self) -> IncidentFacts:
        return IncidentFacts(
            category=self.category,
            severity=self.severity,
            occurred_at=self.occurred_at,
            reported_at=self.reported_at,
            riddor_reportable=self.riddor_reportable,
            riddor_kind=self.riddor_kind,
        )

    def made(self) -> dict[str, datetime]:
        """Recipient → when the requirement to notify it was first met."""
        notified = ((n.recipient, n.notified_at) for n in self.notifications)
        return made_at(notified, {s.step: s.done_at for s in self.candour_steps})

    def outstanding(self) -> list[str]:
        return outstanding(self.required, self.made())


def evolve(state: IncidentState | None, event: Event) -> IncidentState:
    if isinstance(event, IncidentReported):
        return _reported(event)
    if state is None:
        raise ValueError(f"{event.type_name()} before IncidentReported")
    return _evolve_existing(state, event)


def _reported(event: IncidentReported) -> IncidentState:
    return IncidentState(
        incident_id=event.incident_id,
        reference=event.reference,
        location_id=event.location_id,
        category=event.category,
        severity=event.severity,
        occurred_at=event.occurred_at,
        reported_at=event.reported_at,
        description=event.description,
        immediate_actions=event.immediate_actions,
        people_involved=event.people_involved,
        riddor_reportable=event.riddor_reportable,
        riddor_kind=event.riddor_kind,
        required=event.required_notifications,
    )


def _evolve_existing(state: IncidentState, event: Event) -> IncidentState:
    match event:
        case IncidentNotified():
            return replace(state, notifications=(*state.notifications, event))
        case IncidentCandourStepRecorded():
            return replace(state, candour_steps=(*state.candour_steps, event))
        case IncidentInvestigationStarted(investigator_id=investigator, started_at=started):
            return replace(
                state,
                status="investigating",
                investigator_id=investigator,
                investigation_started_at=started,
            )
        case IncidentRootCauseRecorded(text=text):
            return replace(state, root_cause=text)
        case IncidentLessonsRecorded(text=text):
            return replace(state, lessons=text)
        case IncidentClosed(summary=summary, closed_at=closed_at):
            return replace(state, status="closed", closure_summary=summary, closed_at=closed_at)
        case IncidentReopened(reason=reason, reopened_at=reopened_at):
            return replace(
                state,
                status="investigating",
                reopen_reason=reason,
                reopened_at=reopened_at,
                closure_summary=None,
                closed_at=None,
            )
        case IncidentAmended():
            return replace(
                state,
                description=event.description,
                category=event.category,
                severity=event.severity,
                riddor_reportable=event.riddor_reportable,
                riddor_kind=event.riddor_kind,
                required=event.required_notifications,
            )
    raise ValueError(f"incidents cannot evolve {event.type_name()}")
