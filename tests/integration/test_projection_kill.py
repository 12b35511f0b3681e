"""A projection runner killed with SIGKILL mid-batch, then restarted: no gap, no double count."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from uuid import UUID

from eventstore import EventStore
from projections import RECORD_COUNTS, Runner
from tests.conftest import MigratedDatabase
from tests.integration.direct_sql import bind_tenant, connected
from tests.integration.test_projection_runner import History, as_counts, counted_from_log

ROOT = Path(__file__).resolve().parents[2]
BATCH = 10


async def start_runner(
    database: MigratedDatabase, tenant: UUID, pause: float
) -> asyncio.subprocess.Process:
    environment = {
        **os.environ,
        "CARETRAIL_TEST_APP_URL": database.app,
        "CARETRAIL_TEST_KEK": database.kek,
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.integration.projection_runner_process",
        str(tenant),
        str(BATCH),
        str(pause),
        cwd=ROOT,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
    )


async def checkpoint(database: MigratedDatabase, tenant: UUID) -> int:
    async with connected(database.app) as conn, conn.transaction():
        await bind_tenant(conn, tenant)
        return int(await conn.fetchval("SELECT last_seq FROM projection_checkpoints"))


async def test_a_runner_killed_mid_batch_and_restarted_leaves_no_gap_and_no_double_count(
    database: MigratedDatabase, store: EventStore, tenant: UUID
) -> None:
    await History(store, tenant).append(5 * BATCH)
    first = await start_runner(database, tenant, pause=1.0)
    assert first.stdout is not None
    while (line := await asyncio.wait_for(first.stdout.readline(), 60)) != b"applying 21 30\n":
        assert line.startswith(b"applying"), line  # batches 1 and 2 were committed meanwhile

    first.send_signal(signal.SIGKILL)  # batch 3 written, its transaction not yet committed
    assert await first.wait() == -signal.SIGKILL

    assert await checkpoint(database, tenant) == 2 * BATCH
    runner = Runner(store, [RECORD_COUNTS])
    documents = await runner.documents(tenant, RECORD_COUNTS.name)
    assert as_counts(documents) == await counted_from_log(store, tenant, up_to=2 * BATCH)

    second = await start_runner(database, tenant, pause=0)
    output, _ = await asyncio.wait_for(second.communicate(), 60)
    assert second.returncode == 0
    assert output.decode().splitlines() == [
        "applying 21 30",
        "applying 31 40",
        "applying 41 50",
        f"done {3 * BATCH}",
    ]
    assert await checkpoint(database, tenant) == 5 * BATCH
    documents = await runner.documents(tenant, RECORD_COUNTS.name)
    assert as_counts(documents) == await counted_from_log(store, tenant)
