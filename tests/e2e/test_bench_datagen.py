"""The benchmark data generator (tests/bench/datagen.py) writes a history the real system
accepts: the chain verifies, the record index lists every record, the projections fold it and
the views show the same open actions as the index."""

from __future__ import annotations

import asyncpg
import httpx

from eventstore.verify import verify_chain
from infra.database import asyncpg_dsn
from services.http.principal import mint_token
from services.kernel.handling import Records
from tests.bench.datagen import generate_group
from tests.e2e.conftest import LiveApi


async def test_a_generated_group_verifies_and_its_dashboards_match_its_records(
    http: httpx.AsyncClient, live_api: LiveApi, records: Records
) -> None:
    superuser = asyncpg_dsn(live_api.database.superuser)
    group = await generate_group(records, superuser, homes=6, events=1500, seed=11)

    report = await verify_chain(records.store.pool, group.tenant_id)
    assert report.ok, report.describe()
    assert report.checked == report.head_seq == group.events
    assert 1300 < group.events < 1700
    conn = await asyncpg.connect(superuser)
    try:
        indexed = dict(
            await conn.fetch(
                "SELECT collection, count(*) FROM records WHERE tenant_id = $1"
                " AND collection <> 'users' AND collection <> 'provider-groups'"
                " GROUP BY collection",
                group.tenant_id,
            )
        )
        open_actions = await conn.fetchval(
            "SELECT count(*) FROM records WHERE tenant_id = $1 AND collection = 'actions'"
            " AND status IN ('open', 'in_progress')",
            group.tenant_id,
        )
    finally:
        await conn.close()
    assert indexed == group.records
    assert set(indexed) == {"locations", "actions", "incidents", "complaints", "audits"}

    token = mint_token(
        live_api.runtime.signing_key,
        user_id=group.admin_id,
        organisation_id=group.tenant_id,
        organisation_kind="provider",
        roles=["group_admin"],
        location_ids=[],
    )
    auth = {"Authorization": f"Bearer {token}"}
    overview = await http.get("/group/overview", headers=auth)
    assert overview.status_code == 200, overview.text
    homes = overview.json()["homes"]
    assert sorted(h["location_id"] for h in homes) == sorted(str(h) for h in group.homes)
    assert sum(h["open_actions"]["count"] for h in homes) == open_actions > 0
    listed = await http.get(
        "/actions", params={"location_id": str(group.homes[0]), "limit": 5}, headers=auth
    )
    assert listed.status_code == 200 and listed.json()["items"], listed.text
