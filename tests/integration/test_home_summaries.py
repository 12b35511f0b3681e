"""The group overview's summaries on real PostgreSQL: the runner stores each home_dashboard
document's summary beside it, and `home_summaries` reads them, summarizing a document itself
where the stored summary is missing or cannot be complete (a record let go of came back)."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import msgspec

from eventstore import EventStore, NewEvent, StreamRef
from eventstore.binding import Binding
from projections import Runner
from projections.home_dashboard import HOME_DASHBOARD
from projections.home_dashboard_reading import home_summaries
from projections.home_dashboard_records import HOME_RECORDS
from projections.home_dashboard_summary import summarize
from tests.conftest import MigratedDatabase
from tests.integration.direct_sql import bind_tenant, connected
from tests.unit.test_home_dashboard import HOME, Log, home_events


async def stored_rows(database: MigratedDatabase, tenant_id: UUID) -> dict[str, tuple[Any, Any]]:
    async with connected(database.app) as conn, conn.transaction():
        await bind_tenant(conn, tenant_id)
        rows = await conn.fetch(
            "SELECT doc_id, doc::text, summary::text FROM projection_documents"
            " WHERE tenant_id = $1 AND projection = 'home_dashboard'",
            tenant_id,
        )
    return {
        r["doc_id"]: (
            msgspec.json.decode(r["doc"]),
            r["summary"] and msgspec.json.decode(r["summary"]),
        )
        for r in rows
    }


async def test_the_runner_stores_each_homes_summary_beside_its_document(
    store: EventStore, database: MigratedDatabase
) -> None:
    tenant = uuid4()
    events, ids = home_events(Log())
    for event in events:
        await store.append(
            tenant,
            StreamRef("test", event.stream_id),
            event.version - 1,
            [NewEvent(event.type, event.data, location_id=event.location_id)],
        )

    await Runner(store, [HOME_DASHBOARD, HOME_RECORDS]).catch_up(tenant)

    ((doc, summary),) = (await stored_rows(database, tenant)).values()
    assert summary == summarize(doc)
    assert set(summary["actions"]) == {str(ids[n]) for n in ("late", "fine", "redated")}
    own = Binding.tenant(tenant)
    assert await home_summaries(store.pool, tenant, binding=own) == {str(HOME): summary}


async def test_a_missing_or_incomplete_summary_is_made_from_the_document_when_read(
    store: EventStore, database: MigratedDatabase
) -> None:
    """Rows written before summaries were kept have none; a document holding a record it let go
    of and that came back has one that cannot see that record. Written here directly, as a
    runner of either kind would have left them."""
    tenant, before, revived, action = uuid4(), str(uuid4()), str(uuid4()), str(uuid4())

    def home(location_id: str, actions: dict[str, Any]) -> dict[str, Any]:
        return {
            "location_id": location_id,
            "name": "Oak",
            "registered": True,
            "closed": False,
            "actions": actions,
            "incidents": {},
            "complaints": {},
            "audits": {},
            "last_seq": 2,
            "pruned_on": None,
        }

    old = home(
        before,
        {"a1": {"reference": "A", "status": "open", "priority": "low", "due_date": "2026-01-01"}},
    )
    came_back = home(revived, {action: {"revived": True}})
    facts = {"reference": "B", "status": "open", "priority": "high", "due_date": "2026-02-01"}
    record = {"kind": "actions", "location_id": revived, "record": facts, "last_seq": 2}
    rows = [
        ("home_dashboard", before, old, None),
        ("home_dashboard", revived, came_back, summarize(came_back)),
        ("home_records", action, record, None),
    ]
    async with connected(database.app) as conn, conn.transaction():
        await bind_tenant(conn, tenant)
        for projection in ("home_dashboard", "home_records"):
            await conn.execute(
                "INSERT INTO projection_generations (tenant_id, projection, live_generation,"
                " live_version) VALUES ($1, $2, 1, 1)",
                tenant,
                projection,
            )
        for projection, doc_id, doc, summary in rows:
            await conn.execute(
                "INSERT INTO projection_documents (tenant_id, projection, generation, doc_id,"
                " doc, summary) VALUES ($1, $2, 1, $3, $4::jsonb, $5::jsonb)",
                tenant,
                projection,
                doc_id,
                msgspec.json.encode(doc).decode(),
                None if summary is None else msgspec.json.encode(summary).decode(),
            )

    own = Binding.tenant(tenant)
    summaries = await home_summaries(store.pool, tenant, binding=own)

    assert summaries[before] == summarize(old)
    assert summaries[revived]["actions"] == {action: "2026-02-01"}
    assert summaries[revived]["revived"] is False
    revived_only = await home_summaries(store.pool, tenant, [revived], binding=own)
    assert revived_only == {revived: summaries[revived]}
