"""What the bulk generator writes, in time order: each home's records and the lifecycle of each
(typed domain events at their own times), at the steady pace of a provider group. No I/O here:
tests/bench/datagen.py links these events onto the chain and COPYs them."""

from __future__ import annotations

import hashlib
import heapq
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from services.actions import events as act
from services.actions.decide import DECIDER as ACTIONS
from services.audits import events as aud
from services.audits.decide import DECIDER as AUDITS
from services.audits.library import starter_templates
from services.audits.scoring import rate
from services.audits.template_events import Question
from services.complaints import events as cmp
from services.complaints.decide import DECIDER as COMPLAINTS
from services.incidents import events as inc
from services.incidents.decide import DECIDER as INCIDENTS
from services.incidents.notifications import DEFAULTS, IncidentFacts, required_notifications
from services.kernel.calendar import add_working_days
from services.kernel.decider import Decider
from services.kernel.events import Event
from services.organisations.events import LocationRegistered
from services.organisations.locations import LOCATIONS

#: Roughly how many events one home records per day (actions, incidents, complaints, audits).
EVENTS_PER_HOME_PER_DAY = 1.8
#: Share of new records by kind, and the events each lifecycle has (before any run late).
KINDS = (("action", 0.35), ("incident", 0.40), ("complaint", 0.05), ("audit", 0.20))
_CATEGORIES: tuple[inc.Category, ...] = (
    "fall",
    "fall",
    "fall",
    "medication_error",
    "pressure_ulcer",
    "injury",
    "missed_visit",
    "safeguarding",
    "other",
)
_SEVERITIES: tuple[inc.Severity, ...] = ("no_harm", "no_harm", "low", "low", "moderate", "severe")
_PRIORITIES: tuple[act.Priority, ...] = ("low", "medium", "medium", "high", "urgent")


@dataclass(slots=True)
class GeneratedRecord:
    decider: Decider[Any]
    location_id: UUID
    created_at: datetime
    pending: int
    state: Any = None
    version: int = 0


def uuid_for(tenant_id: UUID, kind: str, n: int) -> UUID:
    """Deterministic ids, distinct per tenant, so one seed gives one data set."""
    digest = hashlib.sha256(f"{tenant_id}:{kind}:{n}".encode()).digest()
    return UUID(bytes=digest[:16], version=4)


class Lifecycles:
    """Each record's events from creation on, with when each happens (only up to `now`)."""

    def __init__(self, tenant_id: UUID, admin_id: UUID, rng: random.Random) -> None:
        self.tenant_id, self.admin, self.rng = tenant_id, admin_id, rng
        self.references = {"ACT": 0, "INC": 0, "CMP": 0}
        self.templates = starter_templates()

    def reference(self, prefix: str) -> str:
        self.references[prefix] += 1
        return f"{prefix}-{self.references[prefix]:06d}"

    def action(self, rid: UUID, home: UUID, t0: datetime) -> list[tuple[datetime, Event]]:
        r, who = self.rng, self.admin
        due = (t0 + timedelta(days=r.choice((14, 28, 42)))).date()
        late = r.random() < 0.15  # finished after its due date
        done = t0 + timedelta(days=(due - t0.date()).days + (r.randint(3, 30) if late else -3))
        return [
            (
                t0,
                act.ActionRaised(
                    action_id=rid,
                    reference=self.reference("ACT"),
                    location_id=home,
                    title="Refresh moving and handling competency checks",
                    description="Two staff missed the annual check; book and record it.",
                    success_measure="Every carer on the rota has a check in the last 12 months",
                    owner_id=who,
                    due_date=due,
                    priority=r.choice(_PRIORITIES),
                    quality_statements=("S2.safe-systems",),
                    framework="cqc-saf-2024",
                    raised_by=who,
                    raised_at=t0,
                ),
            ),
            (
                t0 + timedelta(days=2),
                act.ActionStarted(started_by=who, started_at=t0 + timedelta(days=2)),
            ),
            (
                t0 + timedelta(days=6),
                act.ActionProgressNoted(
                    text="Sessions booked", noted_by=who, noted_at=t0 + timedelta(days=6)
                ),
            ),
            (
                done,
                act.ActionCompleted(
                    evidence="Training matrix updated", completed_by=who, completed_at=done
                ),
            ),
            (
                done + timedelta(days=4),
                act.ActionVerified(verified_by=who, verified_at=done + timedelta(days=4)),
            ),
        ]

    def incident(self, rid: UUID, home: UUID, t0: datetime) -> list[tuple[datetime, Event]]:
        r = self.rng
        occurred = t0 - timedelta(hours=r.randint(1, 20))
        category, severity = r.choice(_CATEGORIES), r.choice(_SEVERITIES)
        facts = IncidentFacts(
            category=category, severity=severity, occurred_at=occurred, reported_at=t0
        )
        required = required_notifications(facts, DEFAULTS)
        events: list[tuple[datetime, Event]] = [
            (
                t0,
                inc.IncidentReported(
                    incident_id=rid,
                    reference=self.reference("INC"),
                    location_id=home,
                    category=category,
                    severity=severity,
                    occurred_at=occurred,
                    reported_at=t0,
                    description="Found on the floor beside the bed; checked and helped up.",
                    immediate_actions="Observations every hour for 24 hours",
                    people_involved=(),
                    riddor_reportable=None,
                    riddor_kind=None,
                    required_notifications=required,
                ),
            )
        ]
        for need in required:
            late = r.random() < 0.1
            at = need.due_at + timedelta(hours=6) if late else t0 + timedelta(hours=r.randint(1, 8))
            events.append(
                (
                    at,
                    inc.IncidentNotified(
                        recipient=need.recipient, notified_at=at, reference=None, method="portal"
                    ),
                )
            )
        closed = t0 + timedelta(days=r.randint(3, 21))
        events.append((closed, inc.IncidentClosed(summary="Reviewed", closed_at=closed)))
        return events

    def complaint(self, rid: UUID, home: UUID, t0: datetime) -> list[tuple[datetime, Event]]:
        r = self.rng
        ack_days, response_days = 3, 20
        day = t0.date()
        acknowledged = t0 + timedelta(days=r.randint(1, 4))
        responded = t0 + timedelta(days=r.randint(10, 35))
        closed = responded + timedelta(days=7)
        return [
            (
                t0,
                cmp.ComplaintReceived(
                    complaint_id=rid,
                    reference=self.reference("CMP"),
                    location_id=home,
                    received_at=t0,
                    channel="email",
                    summary="Call bell answered slowly at night",
                    acknowledge_working_days=ack_days,
                    response_working_days=response_days,
                    acknowledge_by=add_working_days(day, ack_days),
                    respond_by=add_working_days(day, response_days),
                ),
            ),
            (
                acknowledged,
                cmp.ComplaintAcknowledged(
                    acknowledged_at=acknowledged,
                    late=acknowledged.date() > add_working_days(day, ack_days),
                ),
            ),
            (
                acknowledged + timedelta(days=1),
                cmp.ComplaintInvestigationStarted(
                    investigator_id=self.admin, started_at=acknowledged + timedelta(days=1)
                ),
            ),
            (
                responded,
                cmp.ComplaintResponded(
                    outcome=r.choice(("upheld", "partly_upheld", "not_upheld")),
                    responded_at=responded,
                    summary="Night staffing reviewed",
                    late=responded.date() > add_working_days(day, response_days),
                ),
            ),
            (closed, cmp.ComplaintClosed(closed_at=closed)),
        ]

    def audit(self, rid: UUID, home: UUID, t0: datetime) -> list[tuple[datetime, Event]]:
        r = self.rng
        template = r.choice(self.templates)
        template_id = uuid_for(self.tenant_id, f"template:{template.key}", 0)
        questions = tuple(
            Question(
                id=uuid_for(self.tenant_id, f"question:{template.key}:{q.key}", 0),
                text=q.text,
                quality_statement=q.quality_statement,
                library_key=q.key,
            )
            for q in template.questions
        )
        weights = (r.uniform(0.6, 0.97), 1.0)
        answers = tuple(
            aud.Answer(
                question_id=q.id,
                answer="yes" if (x := r.random()) < weights[0] else ("na" if x > 0.98 else "no"),
            )
            for q in questions
        )
        score, rag = rate((a.answer for a in answers), template.green_at, template.amber_at)
        by_id = {q.id: q for q in questions}
        done = t0 + timedelta(days=r.randint(5, 20))
        return [
            (
                t0,
                aud.AuditScheduled(
                    audit_id=rid,
                    location_id=home,
                    due_date=(t0 + timedelta(days=14)).date(),
                    template_id=template_id,
                    template_name=template.name,
                    template_version=1,
                    framework=template.framework,
                    questions=questions,
                    green_at=template.green_at,
                    amber_at=template.amber_at,
                ),
            ),
            (done - timedelta(hours=2), aud.AuditStarted(started_at=done - timedelta(hours=2))),
            (
                done,
                aud.AuditCompleted(
                    template_id=template_id,
                    answers=answers,
                    score=score,
                    rag=rag,
                    findings=tuple(
                        aud.Finding(
                            finding_id=uuid_for(self.tenant_id, f"finding:{rid}", i),
                            question_id=a.question_id,
                            quality_statement=by_id[a.question_id].quality_statement,
                        )
                        for i, a in enumerate(answers)
                        if a.answer == "no"
                    ),
                    completed_at=done,
                ),
            ),
        ]


DECIDERS: dict[str, Decider[Any]] = {
    "action": ACTIONS,
    "incident": INCIDENTS,
    "complaint": COMPLAINTS,
    "audit": AUDITS,
}


#: Events per record on average over the mix above (actions 5, incidents ~2.8, complaints 5,
#: audits 3), used to space record creation so the history holds about the events asked for.
EVENTS_PER_RECORD = 3.72


def history(
    lifecycles: Lifecycles,
    records: dict[UUID, GeneratedRecord],
    homes: list[UUID],
    events: int,
    now: datetime,
) -> Iterator[tuple[UUID, GeneratedRecord, Event, datetime]]:
    """(record id, record, event, when) in time order, about `events` of them ending at `now`:
    the homes first, then records created at a steady pace, each event at its own time."""
    rng, tenant_id = lifecycles.rng, lifecycles.tenant_id
    days = max(30.0, events / (len(homes) * EVENTS_PER_HOME_PER_DAY))
    start = now - timedelta(days=days)
    for n, home in enumerate(homes):
        record = GeneratedRecord(LOCATIONS, home, start - timedelta(days=1), pending=1)
        records[home] = record
        registered = LocationRegistered(
            location_id=home,
            name=f"Home {n + 1:03d}",
            service_type="residential" if n % 3 else "nursing",
            local_authority="E08000025",
            cqc_location_id=f"1-{200000 + n}",
        )
        yield home, record, registered, record.created_at
    pending: list[tuple[datetime, int, UUID, Event]] = []
    tick = 0
    step = timedelta(days=days) / max(1, round((events - len(homes)) / EVENTS_PER_RECORD))
    kinds, weights = zip(*KINDS, strict=True)
    t = start + step
    while t <= now:
        while pending and pending[0][0] <= t:
            at, _, rid, event = heapq.heappop(pending)
            yield rid, records[rid], event, at
        kind = rng.choices(kinds, weights)[0]
        rid = uuid_for(tenant_id, kind, tick)
        home = homes[rng.randrange(len(homes))]
        lifecycle = [(at, e) for at, e in getattr(lifecycles, kind)(rid, home, t) if at <= now]
        records[rid] = GeneratedRecord(DECIDERS[kind], home, t, pending=len(lifecycle))
        for at, event in lifecycle:
            tick += 1
            heapq.heappush(pending, (max(at, t), tick, rid, event))
        t += step
    while pending:
        at, _, rid, event = heapq.heappop(pending)
        yield rid, records[rid], event, at
