"""`GET /trends?location_id=&metric=&months=`: a home's monthly time series, each point naming the
records behind it. Read from the home's events in the log and folded by a pure `series`, so the
figures are tested without a database.

Months are calendar months in England (Europe/London), the last `months` ending with today's,
oldest first; a month with nothing in it appears with zeros. Each record counts in the month of
its own business time, not of when it was recorded:
- `incidents`: reported incidents by when they occurred, per category (as last amended);
- `audit_compliance`: audits by when they were completed, yes / (yes + no) over their answers;
- `complaints`: complaints by when they were received;
- `action_closure_days`: actions by when they were (last) completed, days from raised to completed
  (mean and median); a reopened action counts again only once it is completed again.
(No `from __future__ import annotations`: Litestar reads these handlers' annotations.)"""

import statistics
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter

from eventstore import RecordedEvent
from services.http.principal import Principal
from services.http.problems import problem_responses
from services.kernel.calendar import local_date
from services.kernel.errors import InvalidCommand
from services.kernel.handling import Records
from services.views.freshness import up_to_date
from services.views.home_events import events_at_homes
from services.views.scope import homes_in_view

MAX_MONTHS = 24
METRIC_EVENT_TYPES: dict[str, tuple[str, ...]] = {
    "incidents": ("IncidentReported", "IncidentAmended"),
    "audit_compliance": ("AuditCompleted", "AuditCancelled"),
    "complaints": ("ComplaintReceived",),
    "action_closure_days": ("ActionRaised", "ActionCompleted", "ActionReopened"),
}
METRICS = tuple(METRIC_EVENT_TYPES)


class CategoryPoint(msgspec.Struct, frozen=True, kw_only=True):
    count: int
    ids: list[UUID]


class TrendPoint(msgspec.Struct, frozen=True, kw_only=True):
    #: `YYYY-MM`, a calendar month in England.
    month: str
    #: How many records are behind this point (incidents, audits, complaints, actions).
    count: int
    ids: list[UUID]
    #: incidents: every category of the series, with zeros.
    by_category: dict[str, CategoryPoint] | None = None
    #: audit_compliance: answers over the month's completed audits (N/A left out).
    yes: int | None = None
    no: int | None = None
    compliance: float | None = None
    #: action_closure_days: days from raised to completed.
    mean_days: float | None = None
    median_days: float | None = None


class Trend(msgspec.Struct, frozen=True, kw_only=True):
    location_id: UUID
    metric: str
    months: list[str]
    points: list[TrendPoint]


def month_keys(months: int, today: date) -> list[str]:
    """The `months` calendar months ending with today's, oldest first, as `YYYY-MM`."""
    keys = []
    year, month = today.year, today.month
    for _ in range(months):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return keys[::-1]


def _moment(value: Any) -> datetime | None:
    """An aware moment from an event field (ISO text as stored), None if absent (e.g. redacted)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _month_of(moment: datetime) -> str:
    return local_date(moment).strftime("%Y-%m")


def _incidents(events: Iterable[RecordedEvent], keys: list[str]) -> list[TrendPoint]:
    found: dict[UUID, tuple[datetime, str]] = {}
    for event in events:
        if event.type == "IncidentReported":
            occurred = _moment(event.data.get("occurred_at"))
            if occurred is not None:
                found[event.stream_id] = (occurred, str(event.data.get("category")))
        elif event.type == "IncidentAmended" and event.stream_id in found:
            category = event.data.get("category")
            if category is not None:
                found[event.stream_id] = (found[event.stream_id][0], str(category))
    cells: dict[str, dict[str, list[UUID]]] = {key: {} for key in keys}
    for incident_id, (occurred, category) in found.items():
        month = _month_of(occurred)
        if month in cells:
            cells[month].setdefault(category, []).append(incident_id)
    categories = sorted({c for cell in cells.values() for c in cell})
    points = []
    for key in keys:
        by_category = {
            c: CategoryPoint(count=len(ids), ids=ids)
            for c in categories
            for ids in [cells[key].get(c, [])]
        }
        ids = [i for c in categories for i in cells[key].get(c, [])]
        points.append(TrendPoint(month=key, count=len(ids), ids=ids, by_category=by_category))
    return points


def _audit_compliance(events: Iterable[RecordedEvent], keys: list[str]) -> list[TrendPoint]:
    completed: dict[UUID, tuple[str, int, int]] = {}
    for event in events:
        if event.type == "AuditCompleted":
            at = _moment(event.data.get("completed_at"))
            if at is None:
                continue
            answers = [a.get("answer") for a in event.data.get("answers", ())]
            completed[event.stream_id] = (_month_of(at), answers.count("yes"), answers.count("no"))
        elif event.type == "AuditCancelled":
            completed.pop(event.stream_id, None)
    points = []
    for key in keys:
        ids = [a for a, (month, _, _) in completed.items() if month == key]
        yes = sum(completed[a][1] for a in ids)
        no = sum(completed[a][2] for a in ids)
        compliance = round(yes / (yes + no), 4) if yes + no else None
        points.append(
            TrendPoint(month=key, count=len(ids), ids=ids, yes=yes, no=no, compliance=compliance)
        )
    return points


def _complaints(events: Iterable[RecordedEvent], keys: list[str]) -> list[TrendPoint]:
    received: dict[UUID, str] = {}
    for event in events:
        if event.type == "ComplaintReceived":
            at = _moment(event.data.get("received_at"))
            if at is not None:
                received[event.stream_id] = _month_of(at)
    points = []
    for key in keys:
        ids = [c for c, month in received.items() if month == key]
        points.append(TrendPoint(month=key, count=len(ids), ids=ids))
    return points


def _action_closure_days(events: Iterable[RecordedEvent], keys: list[str]) -> list[TrendPoint]:
    raised: dict[UUID, datetime] = {}
    completed: dict[UUID, datetime] = {}
    for event in events:
        if event.type == "ActionRaised":
            at = _moment(event.data.get("raised_at"))
            if at is not None:
                raised[event.stream_id] = at
        elif event.type == "ActionCompleted" and event.stream_id in raised:
            at = _moment(event.data.get("completed_at"))
            if at is not None:
                completed[event.stream_id] = at
        elif event.type == "ActionReopened":
            completed.pop(event.stream_id, None)
    points = []
    for key in keys:
        ids = [a for a, at in completed.items() if _month_of(at) == key]
        days = [(completed[a] - raised[a]).total_seconds() / 86400 for a in ids]
        points.append(
            TrendPoint(
                month=key,
                count=len(ids),
                ids=ids,
                mean_days=round(statistics.fmean(days), 2) if days else None,
                median_days=round(statistics.median(days), 2) if days else None,
            )
        )
    return points


_SERIES = {
    "incidents": _incidents,
    "audit_compliance": _audit_compliance,
    "complaints": _complaints,
    "action_closure_days": _action_closure_days,
}


def check_metric(metric: str) -> None:
    if metric not in _SERIES:
        raise InvalidCommand("metric", f"unknown metric {metric!r}; one of {', '.join(METRICS)}")


def check_months(months: int) -> None:
    if not 1 <= months <= MAX_MONTHS:
        raise InvalidCommand("months", f"must be 1 to {MAX_MONTHS}")


def series(
    metric: str, decoded_events: Iterable[RecordedEvent], months: int, today: date
) -> list[TrendPoint]:
    """One point per calendar month (England) of the last `months` ending with today's, oldest
    first, from a home's decoded events in `seq` order. Pure; replaying an event changes nothing."""
    check_metric(metric)
    check_months(months)
    return _SERIES[metric](list(decoded_events), month_keys(months, today))


@get(
    "/trends",
    tags=["views"],
    summary="A home's monthly time series of one metric, each point with the records behind it",
    operation_id="trends",
    responses=problem_responses(400, 401, 404, 422, 503),
)
async def trends(
    request: Request,
    principal: NamedDependency[Principal],
    records: NamedDependency[Records],
    location_id: FromQuery[UUID],
    metric: FromQuery[str],
    months: Annotated[int, QueryParameter(ge=1, le=MAX_MONTHS)] = 12,
) -> Trend:
    check_metric(metric)
    await up_to_date(request, principal.tenant_id)
    homes = await homes_in_view(records, principal, location_id)
    events = await events_at_homes(
        records.store,
        principal.tenant_id,
        homes,
        types=METRIC_EVENT_TYPES[metric],
        binding=principal.binding,
    )
    today = local_date(datetime.now(UTC))
    return Trend(
        location_id=location_id,
        metric=metric,
        months=month_keys(months, today),
        points=series(metric, events, months, today),
    )
