"""The periodic jobs `caretrail scheduler` sends, and when each is next due.

To add one, append a PeriodicJob to JOBS naming an actor (its dramatiq actor name: the
function's name unless `actor_name=` was given; its module must be in workers.ACTOR_MODULES)
and a function of the settings giving the interval in seconds (add the setting to infra/settings.py
and to workers/config.py's WorkerSettings):

    JOBS.append(PeriodicJob("deadline checks", "check_deadlines",
                            lambda s: s.deadline_check_seconds))

Each job is sent once when the scheduler starts and then every interval. A message still queued
when the next one is sent would be redundant, so each is sent with `max_age` = its interval (the
AgeLimit middleware drops it unprocessed if it waited longer): a slow worker gets the latest
sweep, not a backlog. Periodic actors must be idempotent and take no arguments but the job's
`kwargs`; several schedulers running at once only send some jobs twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from workers.config import WorkerSettings


@dataclass(frozen=True, slots=True)
class PeriodicJob:
    name: str
    actor: str
    every: Callable[[WorkerSettings], float]
    kwargs: Mapping[str, Any] = field(default_factory=dict)


#: Every periodic job; other areas append theirs.
JOBS: list[PeriodicJob] = [
    PeriodicJob("projection sweep", "sweep_projections", lambda s: s.projection_sweep_seconds),
    PeriodicJob("trail heads", "sign_trail_heads", lambda s: s.trail_head_seconds),
    PeriodicJob(
        "alert delivery sweep", "sweep_alert_deliveries", lambda s: s.delivery_sweep_seconds
    ),
    # Idempotent (one digest per subscription and day); sends yesterday's once the hour has come.
    PeriodicJob("daily alert digests", "owe_daily_digests", lambda s: 600.0),
    PeriodicJob("alert detectors", "detect_all_tenants", lambda s: s.detector_sweep_seconds),
    PeriodicJob("alert escalation", "escalate_alerts", lambda s: s.escalation_sweep_seconds),
]


@dataclass(slots=True)
class Timetable:
    """When each job is next due, on a monotonic clock; pure, so it is tested without time."""

    intervals: dict[str, float]
    next_due: dict[str, float]

    @classmethod
    def starting(
        cls, jobs: Sequence[PeriodicJob], settings: WorkerSettings, now: float
    ) -> Timetable:
        intervals = {job.name: max(0.05, float(job.every(settings))) for job in jobs}
        return cls(intervals, {name: now for name in intervals})

    def due(self, now: float) -> list[str]:
        """The jobs due at `now`, each moved to its next time (skipping missed slots)."""
        names = [name for name, at in self.next_due.items() if at <= now]
        for name in names:
            interval = self.intervals[name]
            behind = now - self.next_due[name]
            self.next_due[name] += interval * (int(behind // interval) + 1)
        return names

    def seconds_until_next(self, now: float) -> float:
        return max(0.0, min(self.next_due.values(), default=now + 60) - now)
