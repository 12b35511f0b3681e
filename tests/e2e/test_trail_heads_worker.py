"""The scheduler's `sign_trail_heads` job, run by real `caretrail scheduler` and `caretrail
worker` processes: every provider group's moved head gets signed with the trail key."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import asyncpg
import httpx

from infra.database import asyncpg_dsn
from services.kernel.handling import Records
from services.trail.heads import TrailKey
from services.trail.merkle import MerkleTree
from services.trail.verify_pack import head_message, signature_ok
from tests.e2e.conftest import LiveApi, make_group


async def test_the_scheduled_job_signs_each_groups_current_head(
    http: httpx.AsyncClient, records: Records, live_api: LiveApi, live_workers: Any
) -> None:
    group = await make_group(http, records, live_api, "Scheduled Heads")
    key = TrailKey.from_base64(str(live_api.runtime.trail_key))
    live_workers(
        env={
            "CARETRAIL_TRAIL_SIGNING_KEY": str(live_api.runtime.trail_key),
            "CARETRAIL_TRAIL_HEAD_SECONDS": "1",
        }
    )
    conn = await asyncpg.connect(asyncpg_dsn(live_api.database.superuser))
    try:
        chain = [
            bytes(r["chain_hash"])
            for r in await conn.fetch(
                "SELECT chain_hash FROM events WHERE tenant_id = $1 ORDER BY seq", group.tenant_id
            )
        ]
        deadline, row = time.monotonic() + 90, None
        while row is None and time.monotonic() < deadline:
            row = await conn.fetchrow(
                "SELECT seq, chain_hash, root_hash, signed_at, key_id, signature"
                " FROM signed_heads WHERE tenant_id = $1 AND seq = $2",
                group.tenant_id,
                len(chain),
            )
            await asyncio.sleep(0.5)
    finally:
        await conn.close()
    assert row is not None, "no head was signed by the scheduled job"
    assert bytes(row["root_hash"]) == MerkleTree(chain).root
    assert row["key_id"] == key.key_id
    served = (await http.get("/trail/head", headers=group.auth())).json()
    assert served["seq"] == len(chain) and served["root_hash"] == bytes(row["root_hash"]).hex()
    assert signature_ok(key.public_key, served["signature"], head_message(served))
