"""A provider group as the detectors see it, loaded from its read models: the home_dashboard and
detector_facts projections, the users index (who is deactivated) and the tenant settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventstore.binding import Binding
from eventstore.connection import tenant_transaction
from projections import Runner
from projections.detector_facts import DETECTOR_FACTS, empty
from projections.home_dashboard_reading import home_documents
from services.audits.template_decide import TEMPLATE_DECIDER
from services.kernel.calendar import local_date
from services.kernel.handling import Records
from services.kernel.index import ListQuery
from workers.detectors.model import GroupState, Home, Question


async def load_group(
    records: Records, runner: Runner, tenant_id: UUID, now: datetime
) -> GroupState:
    """The tenant's open homes, settings and deactivated users at `now` (projections are read as
    they stand: callers catch them up first when they need the latest events)."""
    dashboards = await home_documents(
        records.store.pool, tenant_id, binding=Binding.tenant(tenant_id)
    )
    facts = await runner.documents(tenant_id, DETECTOR_FACTS.name)
    settings = await tenant_settings(records, tenant_id)
    async with tenant_transaction(records.store.pool, tenant_id) as conn:
        inactive = await conn.fetch(
            "SELECT record_id FROM records WHERE tenant_id = $1 AND collection = 'users'"
            " AND status = 'deactivated'",
            tenant_id,
        )
    homes = tuple(
        Home(dashboard=doc, facts=facts.get(doc_id) or empty(doc_id))
        for doc_id, doc in sorted(dashboards.items())
        if doc.get("registered") and not doc.get("closed")
    )
    return GroupState(
        questions=await audit_questions(records, tenant_id),
        homes=homes,
        settings=settings,
        now=now,
        today=local_date(now),
        inactive_users=frozenset(str(r["record_id"]) for r in inactive),
    )


async def audit_questions(records: Records, tenant_id: UUID) -> dict[str, Question]:
    """Every question of every version of the group's audit templates, by id."""
    found: dict[str, Question] = {}
    cursor = None
    while True:
        page, cursor = await records.page(
            tenant_id,
            ListQuery("audit-templates", cursor=cursor, limit=200),
            binding=Binding.tenant(tenant_id),
        )
        for row in page:
            template, _version, _events = await records.load(
                tenant_id, TEMPLATE_DECIDER, row.record_id, binding=Binding.tenant(tenant_id)
            )
            for version in template.versions:  # a later version's wording wins
                for q in version.questions:
                    found[str(q.id)] = Question(statement=q.quality_statement, text=q.text)
        if cursor is None:
            return found


async def tenant_settings(records: Records, tenant_id: UUID) -> dict[str, Any]:
    """The tenant's settings: its changes over every context's defaults."""
    if records.load_settings is None:
        return {}
    async with tenant_transaction(records.store.pool, tenant_id) as conn:
        return dict(await records.load_settings(conn, tenant_id))


async def quality_leads(records: Records, tenant_id: UUID) -> tuple[UUID, ...]:
    """The tenant's active quality leads: whom an unacknowledged alert is escalated to."""
    async with tenant_transaction(records.store.pool, tenant_id) as conn:
        rows = await conn.fetch(
            "SELECT record_id FROM records WHERE tenant_id = $1 AND collection = 'users'"
            " AND status = 'active' AND summary->'roles' ? 'quality_lead' ORDER BY record_id",
            tenant_id,
        )
    return tuple(UUID(str(r["record_id"])) for r in rows)
