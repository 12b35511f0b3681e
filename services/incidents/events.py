"""What happens to an incident, as past-tense events: the incidents context's public contract."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

import msgspec

from services.kernel.events import Event

Category = Literal[
    "fall",
    "medication_error",
    "safeguarding",
    "pressure_ulcer",
    "death",
    "missed_visit",
    "injury",
    "police",
    "utilities_failure",
    "other",
]
Severity = Literal["no_harm", "low", "moderate", "severe", "death"]
RiddorKind = Literal["death", "specified_injury", "over_7_day", "other"]
#: Who an incident must be notified to by law or policy (the rules in notifications.py).
StatutoryRecipient = Literal["cqc", "local_authority_safeguarding", "hse_riddor", "duty_of_candour"]
Recipient = Literal[
    "cqc",
    "local_authority_safeguarding",
    "hse_riddor",
    "duty_of_candour",
    "family",
    "police",
    "other",
]
CandourStep = Literal["informed", "apologised", "true_account", "written_follow_up"]
CANDOUR_STEPS: tuple[CandourStep, ...] = (
    "informed",
    "apologised",
    "true_account",
    "written_follow_up",
)


class RequiredNotification(msgspec.Struct, frozen=True, kw_only=True):
    """One notification the incident requires, with the deadline the rules gave it at the time."""

    recipient: StatutoryRecipient
    reason: str
    rule: str
    due_at: datetime


class IncidentReported(Event, frozen=True, kw_only=True):
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
    required_notifications: tuple[RequiredNotification, ...]


class IncidentNotified(Event, frozen=True, kw_only=True):
    """A notification was made (to a regulator, the council, the family, the police…)."""

    recipient: Recipient
    notified_at: datetime
    reference: str | None
    method: str | None


class IncidentCandourStepRecorded(Event, frozen=True, kw_only=True):
    """One step of the duty of candour (regulation 20) was done."""

    step: CandourStep
    done_at: datetime


class IncidentInvestigationStarted(Event, frozen=True, kw_only=True):
    investigator_id: UUID
    started_at: datetime


class IncidentRootCauseRecorded(Event, frozen=True, kw_only=True):
    text: str


class IncidentLessonsRecorded(Event, frozen=True, kw_only=True):
    text: str


class IncidentClosed(Event, frozen=True, kw_only=True):
    summary: str
    closed_at: datetime


class IncidentReopened(Event, frozen=True, kw_only=True):
    reason: str
    reopened_at: datetime


class IncidentAmended(Event, frozen=True, kw_only=True):
    """Facts corrected; the notification requirements recomputed under the settings of the day."""

    description: str
    category: Category
    severity: Severity
    riddor_reportable: bool | None
    riddor_kind: RiddorKind | None
    required_notifications: tuple[RequiredNotification, ...]


EVENTS: tuple[type[Event], ...] = (
    IncidentReported,
    IncidentNotified,
    IncidentCandourStepRecorded,
    IncidentInvestigationStarted,
    IncidentRootCauseRecorded,
    IncidentLessonsRecorded,
    IncidentClosed,
    IncidentReopened,
    IncidentAmended,
)
