"""Turning detector findings into alert events, idempotently: raise what is new (or has come
back), update what changed, resolve what cleared, escalate what nobody acknowledged in time.

Every change goes through Records.execute on the alert's own stream (id derived from tenant,
kind and key), so two sweeps racing over the same condition collide on the stream version and
one of them records nothing: there is never a second open alert for a condition.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import structlog

from eventstore import ConcurrencyError
from projections import Runner
from services.alerts import queries
from services.alerts.commands import ClearCondition, EscalateAlert, RaiseAlert, ResolveAlert
from services.alerts.decide import DECIDER, records_digest
from services.alerts.events import RecordRef, alert_id
from services.alerts.settings import setting
from services.http.links import record_link
from services.kernel.errors import InvalidTransition, VersionMismatch
from services.kernel.handling import Caller, Records
from services.kernel.index import IndexedRecord
from services.organisations.directory import SYSTEM_ACTOR
from workers.detectors import Finding, detect
from workers.detectors.loading import load_group, quality_leads, tenant_settings

log = structlog.get_logger()

#: Another process got there first, or the alert moved on meanwhile: nothing to record.
_ALREADY_DONE = (InvalidTransition, ConcurrencyError, VersionMismatch)


@dataclass(slots=True)
class Tally:
    raised: int = 0
    updated: int = 0
    resolved: int = 0
    cleared: int = 0
    escalated: int = 0

    def any(self) -> bool:
        return any((self.raised, self.updated, self.resolved, self.cleared, self.escalated))


def raise_command(tenant_id: UUID, finding: Finding) -> RaiseAlert:
    return RaiseAlert(
        alert_id=alert_id(tenant_id, finding.kind, finding.key),
        kind=finding.kind,
        key=finding.key,
        severity=finding.severity,
        title=finding.title,
        detail=finding.detail,
        location_id=UUID(finding.location_id) if finding.location_id else None,
        location_ids=tuple(UUID(h) for h in finding.location_ids),
        records=tuple(
            RecordRef(collection=c, id=UUID(i), url=record_link(c, UUID(i)))
            for c, i in finding.records
        ),
    )


def _unchanged(row: IndexedRecord, command: RaiseAlert) -> bool:
    return (
        row.summary.get("records_digest") == records_digest(command.records)
        and row.summary.get("title") == command.title
        and row.summary.get("location_ids") == [str(h) for h in command.location_ids]
    )


def plan(
    tenant_id: UUID, findings: Sequence[Finding], known: Sequence[IndexedRecord]
) -> list[tuple[UUID, Any]]:
    """Pure: the commands that bring the alerts in line with the findings. `known`: the alerts
    not resolved, and those resolved by hand whose condition has not cleared."""
    by_id = {row.record_id: row for row in known}
    commands: list[tuple[UUID, Any]] = []
    found: set[UUID] = set()
    for finding in findings:
        command = raise_command(tenant_id, finding)
        found.add(command.alert_id)
        row = by_id.get(command.alert_id)
        if row is None or (row.status != "resolved" and not _unchanged(row, command)):
            commands.append((command.alert_id, command))
    for row in known:
        if row.record_id in found:
            continue
        if row.status != "resolved":
            commands.append((row.record_id, ResolveAlert(automatic=True)))
        elif row.summary.get("suppressed"):
            commands.append((row.record_id, ClearCondition()))
    return commands


async def _run(records: Records, tenant_id: UUID, alert: UUID, command: Any) -> bool:
    caller = Caller(tenant_id=tenant_id, actor=SYSTEM_ACTOR, organisation_id=tenant_id)
    try:
        await records.execute(caller, DECIDER, alert, command, creating=True)
    except _ALREADY_DONE as exc:
        log.info("alert already up to date", alert_id=str(alert), reason=type(exc).__name__)
        return False
    return True


async def detect_for_tenant(
    records: Records, runner: Runner, tenant_id: UUID, now: datetime | None = None
) -> Tally:
    """Run every detector over the tenant's read models and record what changed."""
    group = await load_group(records, runner, tenant_id, now or records.clock())
    known = await queries.unresolved(records.store.pool, tenant_id)
    tally = Tally()
    for alert, command in plan(tenant_id, detect(group), known):
        if not await _run(records, tenant_id, alert, command):
            continue
        if isinstance(command, RaiseAlert):
            was = next((r for r in known if r.record_id == alert), None)
            if was is None:
                tally.raised += 1
            else:
                tally.updated += 1
        elif isinstance(command, ResolveAlert):
            tally.resolved += 1
        else:
            tally.cleared += 1
    return tally


async def escalate_for_tenant(
    records: Records, tenant_id: UUID, now: datetime | None = None
) -> int:
    """Escalate every alert still unacknowledged after the tenant's limit to its quality leads."""
    moment = now or records.clock()
    hours = setting(await tenant_settings(records, tenant_id), "alerts.escalate_after_hours")
    due = [
        row
        for row in await queries.unresolved(records.store.pool, tenant_id)
        if row.status == "open"
        and row.key_date is not None
        and row.key_date + timedelta(hours=hours) <= moment
    ]
    if not due:
        return 0
    leads = await quality_leads(records, tenant_id)
    command = EscalateAlert(to_user_ids=leads, after_hours=hours)
    return sum([await _run(records, tenant_id, row.record_id, command) for row in due])
